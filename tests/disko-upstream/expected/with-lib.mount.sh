set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/vdb
  imageName=_dev_vdb
  imageSize=2G
  name=_dev_vdb
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
  imageName=_dev_vdb
  imageSize=2G
  name=_dev_vdb
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-_dev_vdb-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-_dev_vdb-root" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-_dev_vdb-root" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

