set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/vdc
  imageName=data
  imageSize=2G
  name=data
  type=disk
  
  (
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-data-crypt
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=data
      passwordFile=/tmp/secret.key
      declare -A settings=()
      type=luks
      hook-mark luks-pre $name
      if ! cryptsetup status "data" >/dev/null 2>/dev/null; then
        
        cryptsetup open "/dev/disk/by-partlabel/disk-data-crypt" "data" \
         \
         \
         \
        --key-file <(set +x; echo -n "$(cat /tmp/secret.key)"; set -x) \
       \
       \
       \
      
      fi
      
      
      hook-mark luks-post
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
    hook-mark table-pre $type
    
    hook-mark table-post $device
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
    hook-mark table-pre $type
    (
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      hook-mark root-pre $format
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      hook-mark root-post
    )
    
    hook-mark table-post $device
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
    hook-mark table-pre $type
    (
      device=/dev/disk/by-partlabel/disk-main-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-ESP" "/mnt/boot" \
          -t "vfat" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      hook-mark boot-post $device $mountpoint
    )
    
    hook-mark table-post $device
  )
  
  
)
(
  destroy=1
  device=/dev/vdc
  imageName=data
  imageSize=2G
  name=data
  type=disk
  
  (
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-data-crypt
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=data
      passwordFile=/tmp/secret.key
      declare -A settings=()
      type=luks
      hook-mark luks-pre $name
      (
        device=/dev/mapper/data
        declare -a extraArgs=()
        format=ext4
        declare -a mountOptions=(defaults)
        mountpoint=/data
        type=filesystem
        
        if ! findmnt "/dev/mapper/data" "/mnt/data" >/dev/null 2>&1; then
          mount "/dev/mapper/data" "/mnt/data" \
            -t "ext4" \
            -o defaults \
            -o X-mount.mkdir
        fi
        
        hook-mark data-post $device
      )
      
      hook-mark luks-post
    )
    
    
  )
  
  
)

