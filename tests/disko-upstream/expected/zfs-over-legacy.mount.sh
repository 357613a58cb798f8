set -efux
# first create the necessary devices
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
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  zpool list "zroot" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "zroot"
  
  
  
  
)


# and then mount the filesystems in dependency order
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
      device=/dev/disk/by-partlabel/disk-disk1-primary
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk1-primary" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk1-primary" "/mnt/" \
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
      device=/dev/disk/by-partlabel/disk-disk1-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk1-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk1-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=root/zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! findmnt zroot/root/zfs_fs "/mnt/zfs_fs" >/dev/null 2>&1; then
      mount zroot/root/zfs_fs "/mnt/zfs_fs" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)

