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
(
  name=mainpool
  type=lvm_vg
  
  vgchange -a y
  
  
  
)


# and then mount the filesystems in dependency order
(
  name=mainpool
  type=lvm_vg
  
  (
    device=/dev/mainpool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! findmnt "/dev/mainpool/root" "/mnt/" >/dev/null 2>&1; then
      mount "/dev/mainpool/root" "/mnt/" \
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
  name=mainpool
  type=lvm_vg
  
  (
    device=/dev/mainpool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! findmnt "/dev/mainpool/home" "/mnt/home" >/dev/null 2>&1; then
      mount "/dev/mainpool/home" "/mnt/home" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)

