set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sda
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  (
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk1-crypt_p1
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=p1
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      if ! cryptsetup status "p1" >/dev/null 2>/dev/null; then
        
        cryptsetup open "/dev/disk/by-partlabel/disk-disk1-crypt_p1" "p1" \
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
(
  destroy=1
  device=/dev/sdb
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  (
    device=/dev/sdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk2-crypt_p2
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=p2
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      if ! cryptsetup status "p2" >/dev/null 2>/dev/null; then
        
        cryptsetup open "/dev/disk/by-partlabel/disk-disk2-crypt_p2" "p2" \
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
  device=/dev/sdb
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  (
    device=/dev/sdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk2-crypt_p2
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=p2
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      (
        device=/dev/mapper/p2
        declare -a extraArgs=('-d raid1' /dev/mapper/p1)
        declare -a mountOptions=(defaults)
        mountpoint=''
        type=btrfs
        
        if ! findmnt "/dev/mapper/p2" "/mnt/" > /dev/null 2>&1; then
          mount "/dev/mapper/p2" "/mnt/" \
          -o rw -o relatime -o ssd -o subvol=/root \
          -o X-mount.mkdir
        fi
        
        
      )
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sda
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  (
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-disk1-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk1-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk1-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

