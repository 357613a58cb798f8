set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partlabel/disk-main-luks
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      if ! cryptsetup status "crypted" >/dev/null 2>/dev/null; then
        
        cryptsetup open "/dev/disk/by-partlabel/disk-main-luks" "crypted" \
        --allow-discards \
         \
         \
        --key-file /tmp/secret.key \
       \
       \
       \
      
      fi
      
      
      
    )
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partlabel/disk-main-luks
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      (
        device=/dev/mapper/crypted
        declare -a extraArgs=(-f)
        declare -a mountOptions=(defaults)
        mountpoint=''
        type=btrfs
        
        if ! findmnt "/dev/mapper/crypted" "/mnt/" > /dev/null 2>&1; then
          mount "/dev/mapper/crypted" "/mnt/" \
          -o compress=zstd -o noatime -o subvol=/root \
          -o X-mount.mkdir
        fi
        
        
      )
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partlabel/disk-main-luks
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      (
        device=/dev/mapper/crypted
        declare -a extraArgs=(-f)
        declare -a mountOptions=(defaults)
        mountpoint=''
        type=btrfs
        
        if ! findmnt "/dev/mapper/crypted" "/mnt/.swapvol" > /dev/null 2>&1; then
          mount "/dev/mapper/crypted" "/mnt/.swapvol" \
          -o defaults -o subvol=/swap \
          -o X-mount.mkdir
        fi
        
        
      )
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partlabel/disk-main-luks
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      (
        device=/dev/mapper/crypted
        declare -a extraArgs=(-f)
        declare -a mountOptions=(defaults)
        mountpoint=''
        type=btrfs
        
        if ! findmnt "/dev/mapper/crypted" "/mnt/home" > /dev/null 2>&1; then
          mount "/dev/mapper/crypted" "/mnt/home" \
          -o compress=zstd -o noatime -o subvol=/home \
          -o X-mount.mkdir
        fi
        
        
      )
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partlabel/disk-main-luks
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      (
        device=/dev/mapper/crypted
        declare -a extraArgs=(-f)
        declare -a mountOptions=(defaults)
        mountpoint=''
        type=btrfs
        
        if ! findmnt "/dev/mapper/crypted" "/mnt/nix" > /dev/null 2>&1; then
          mount "/dev/mapper/crypted" "/mnt/nix" \
          -o compress=zstd -o noatime -o subvol=/nix \
          -o X-mount.mkdir
        fi
        
        
      )
      
      
    )
    
    
  )
  
  
)

