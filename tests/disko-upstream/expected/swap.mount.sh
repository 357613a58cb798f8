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
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/" \
          -t "ext4" \
          -o defaults \
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

