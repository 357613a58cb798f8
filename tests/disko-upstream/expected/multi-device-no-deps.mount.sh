set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/vda
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  (
    device=/dev/vda
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdb
  imageName=disk1
  imageSize=2G
  name=disk1
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
  device=/dev/vda
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  (
    device=/dev/vda
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-disk0-nix
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/a
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk0-nix" "/mnt/a" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk0-nix" "/mnt/a" \
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
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-disk1-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/b
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk1-root" "/mnt/b" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk1-root" "/mnt/b" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

