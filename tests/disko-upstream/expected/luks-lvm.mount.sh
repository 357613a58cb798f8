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
(
  name=pool
  type=lvm_vg
  
  vgchange -a y
  
  
  
)


# and then mount the filesystems in dependency order
(
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! findmnt "/dev/pool/root" "/mnt/" >/dev/null 2>&1; then
      mount "/dev/pool/root" "/mnt/" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
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
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! findmnt "/dev/pool/home" "/mnt/home" >/dev/null 2>&1; then
      mount "/dev/pool/home" "/mnt/home" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)

