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
  name=pool
  type=lvm_vg
  
  vgchange -a y
  
  
  
)


# and then mount the filesystems in dependency order
(
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! findmnt "/dev/pool/root" "/mnt/" >/dev/null 2>&1; then
      mount "/dev/pool/root" "/mnt/" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
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
(
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! findmnt "/dev/pool/home" "/mnt/home" >/dev/null 2>&1; then
      mount "/dev/pool/home" "/mnt/home" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)

