set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/vdn
  imageName=cache
  imageSize=2G
  name=cache
  type=disk
  
  (
    device=/dev/vdn
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vda
  imageName=data1
  imageSize=2G
  name=data1
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
  imageName=data2
  imageSize=2G
  name=data2
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdc
  imageName=data3
  imageSize=2G
  name=data3
  type=disk
  
  (
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdh
  imageName=dedup1
  imageSize=2G
  name=dedup1
  type=disk
  
  (
    device=/dev/vdh
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdi
  imageName=dedup2
  imageSize=2G
  name=dedup2
  type=disk
  
  (
    device=/dev/vdi
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdj
  imageName=dedup3
  imageSize=2G
  name=dedup3
  type=disk
  
  (
    device=/dev/vdj
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vde
  imageName=log1
  imageSize=2G
  name=log1
  type=disk
  
  (
    device=/dev/vde
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdf
  imageName=log2
  imageSize=2G
  name=log2
  type=disk
  
  (
    device=/dev/vdf
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdg
  imageName=log3
  imageSize=2G
  name=log3
  type=disk
  
  (
    device=/dev/vdg
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdd
  imageName=spare
  imageSize=2G
  name=spare
  type=disk
  
  (
    device=/dev/vdd
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdk
  imageName=special1
  imageSize=2G
  name=special1
  type=disk
  
  (
    device=/dev/vdk
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdl
  imageName=special2
  imageSize=2G
  name=special2
  type=disk
  
  (
    device=/dev/vdl
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdm
  imageName=special3
  imageSize=2G
  name=special3
  type=disk
  
  (
    device=/dev/vdm
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  zpool list "zroot" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "zroot"
  
  
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=__root
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zstd)
    type=zfs_fs
    
    if ! findmnt zroot "/mnt/" >/dev/null 2>&1; then
      mount zroot "/mnt/" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vda
  imageName=data1
  imageSize=2G
  name=data1
  type=disk
  
  (
    device=/dev/vda
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-data1-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-data1-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-data1-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! findmnt zroot/zfs_fs "/mnt/zfs_fs" >/dev/null 2>&1; then
      mount zroot/zfs_fs "/mnt/zfs_fs" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)

