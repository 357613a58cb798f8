set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/my-disk
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  (
    device=/dev/my-disk
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/my-disk2
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  (
    device=/dev/my-disk2
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a extraArgs=(--assume-clean)
  level=5
  metadata=default
  name=raid5
  type=mdadm
  
  (
    device=/dev/md/raid5
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a extraArgs=(--assume-clean)
  level=5
  metadata=default
  name=raid5
  type=mdadm
  
  (
    device=/dev/md/raid5
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-id/md-name-any:raid5-part1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-id/md-name-any:raid5-part1" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-id/md-name-any:raid5-part1" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

