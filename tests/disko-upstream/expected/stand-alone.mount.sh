set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sda
  imageName=sda
  imageSize=2G
  name=sda
  type=disk
  
  (
    device=/dev/sda
    format=msdos
    type=table
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/sda
  imageName=sda
  imageSize=2G
  name=sda
  type=disk
  
  (
    device=/dev/sda
    format=msdos
    type=table
    
    (
      device=/dev/sda1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/sda1" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/sda1" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

