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
  destroy=1
  device=/dev/vdc
  imageName=pool
  imageSize=2G
  name=pool
  type=disk
  
  (
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=tank
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  zpool list "tank" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "tank"
  
  (
    declare -a extraArgs=(-s -b 16k)
    declare -a mountOptions=(defaults)
    name=vm
    declare -A options=()
    size=64M
    type=zfs_volume
    
    
    
    
    
    
  )
  
  
  
)


# and then mount the filesystems in dependency order
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
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=''
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/" \
        -o defaults -o subvol=/root \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
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
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=''
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/srv/data" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/srv/data" \
        -o noatime -o subvol=/srv/data \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=tank
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  (
    declare -a extraArgs=(-s -b 16k)
    declare -a mountOptions=(defaults)
    name=vm
    declare -A options=()
    size=64M
    type=zfs_volume
    
    (
      device=/dev/zvol/tank/vm
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/vm
      type=filesystem
      
      if ! findmnt "/dev/zvol/tank/vm" "/mnt/vm" >/dev/null 2>&1; then
        mount "/dev/zvol/tank/vm" "/mnt/vm" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

