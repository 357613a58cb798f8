set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sda
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/sda
    format=gpt
    type=table
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/sda
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/sda
    format=gpt
    type=table
    
    (
      device=/dev/sda3
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/sda3" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/sda3" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sda
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/sda
    format=gpt
    type=table
    
    (
      device=/dev/sda1
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/sda1" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/sda1" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sda
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/sda
    format=gpt
    type=table
    
    (
      device=/dev/sda2
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint=/name_with_spaces
      type=filesystem
      
      if ! findmnt "/dev/sda2" "/mnt/name_with_spaces" >/dev/null 2>&1; then
        mount "/dev/sda2" "/mnt/name_with_spaces" \
          -t "vfat" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

