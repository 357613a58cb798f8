set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sda
  imageName=one
  imageSize=2G
  name=one
  type=disk
  
  (
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdb
  imageName=two
  imageSize=2G
  name=two
  type=disk
  
  (
    device=/dev/sdb
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  (
    device=/dev/md/raid1
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  (
    device=/dev/md/raid1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-id/md-name-any:raid1-part1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-id/md-name-any:raid1-part1" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-id/md-name-any:raid1-part1" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a extraArgs=()
  level=1
  metadata=1.0
  name=boot
  type=mdadm
  
  (
    device=/dev/md/boot
    declare -a extraArgs=()
    format=vfat
    declare -a mountOptions=('umask=0077')
    mountpoint=/boot
    type=filesystem
    
    if ! findmnt "/dev/md/boot" "/mnt/boot" >/dev/null 2>&1; then
      mount "/dev/md/boot" "/mnt/boot" \
        -t "vfat" \
        -o 'umask=0077' \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)

