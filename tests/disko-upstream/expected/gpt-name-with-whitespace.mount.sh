set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-vdb-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-vdb-root" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-vdb-root" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-vdb-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-vdb-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-vdb-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device='/dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces'
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint='/name with spaces'
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces" "/mnt/name with spaces" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces" "/mnt/name with spaces" \
          -t "vfat" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint='/name^with\some@special#chars'
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7" "/mnt/name^with\some@special#chars" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7" "/mnt/name^with\some@special#chars" \
          -t "vfat" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

