set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sda
  imageName=a
  imageSize=2G
  name=a
  type=disk
  
  (
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdx
  imageName=x
  imageSize=2G
  name=x
  type=disk
  
  (
    device=/dev/sdx
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdy
  imageName=y
  imageSize=2G
  name=y
  type=disk
  
  (
    device=/dev/sdy
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdz
  imageName=z
  imageSize=2G
  name=z
  type=disk
  
  (
    device=/dev/sdz
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/storage
  name=storage
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  zpool list "storage" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "storage"
  
  
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/storage2
  name=storage2
  declare -A options=()
  declare -A rootFsOptions=([canmount]=off)
  type=zpool
  
  zpool list "storage2" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "storage2"
  
  
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/sdx
  imageName=x
  imageSize=2G
  name=x
  type=disk
  
  (
    device=/dev/sdx
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-x-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-x-root" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-x-root" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdx
  imageName=x
  imageSize=2G
  name=x
  type=disk
  
  (
    device=/dev/sdx
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-x-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-x-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-x-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/storage
  name=storage
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/storage
    name=__root
    declare -A options=()
    type=zfs_fs
    
    if ! findmnt storage "/mnt/storage" >/dev/null 2>&1; then
      mount storage "/mnt/storage" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/storage
  name=storage
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/storage/dataset
    name=dataset
    declare -A options=()
    type=zfs_fs
    
    if ! findmnt storage/dataset "/mnt/storage/dataset" >/dev/null 2>&1; then
      mount storage/dataset "/mnt/storage/dataset" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/storage2
  name=storage2
  declare -A options=()
  declare -A rootFsOptions=([canmount]=off)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/storage2/dataset
    name=dataset
    declare -A options=()
    type=zfs_fs
    
    if ! findmnt storage2/dataset "/mnt/storage2/dataset" >/dev/null 2>&1; then
      mount storage2/dataset "/mnt/storage2/dataset" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)

