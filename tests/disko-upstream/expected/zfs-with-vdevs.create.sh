set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk cache /dev/vdn   #
  destroy=1
  device=/dev/vdn
  imageName=cache
  imageSize=2G
  name=cache
  type=disk
  
  ( # gpt  /dev/vdn   #
    device=/dev/vdn
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdn" >&2; then
      sgdisk --clear "/dev/vdn"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-cache-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdn" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-cache-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdn" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdn" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-cache-zfs   #
      device=/dev/disk/by-partlabel/disk-cache-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-cache-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk data1 /dev/vda   #
  destroy=1
  device=/dev/vda
  imageName=data1
  imageSize=2G
  name=data1
  type=disk
  
  ( # gpt  /dev/vda   #
    device=/dev/vda
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vda" >&2; then
      sgdisk --clear "/dev/vda"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+64M \
     --partition-guid="1:R" \
    --change-name="1:disk-data1-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-data1-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-data1-zfs" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vda" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-data1-zfs" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-data1-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-data1-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-data1-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-data1-ESP"
      fi
      
      
    )
    
    ( # zfs  /dev/disk/by-partlabel/disk-data1-zfs   #
      device=/dev/disk/by-partlabel/disk-data1-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-data1-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk data2 /dev/vdb   #
  destroy=1
  device=/dev/vdb
  imageName=data2
  imageSize=2G
  name=data2
  type=disk
  
  ( # gpt  /dev/vdb   #
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdb" >&2; then
      sgdisk --clear "/dev/vdb"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-data2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-data2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-data2-zfs   #
      device=/dev/disk/by-partlabel/disk-data2-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-data2-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk data3 /dev/vdc   #
  destroy=1
  device=/dev/vdc
  imageName=data3
  imageSize=2G
  name=data3
  type=disk
  
  ( # gpt  /dev/vdc   #
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdc" >&2; then
      sgdisk --clear "/dev/vdc"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-data3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-data3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdc" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-data3-zfs   #
      device=/dev/disk/by-partlabel/disk-data3-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-data3-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk dedup1 /dev/vdh   #
  destroy=1
  device=/dev/vdh
  imageName=dedup1
  imageSize=2G
  name=dedup1
  type=disk
  
  ( # gpt  /dev/vdh   #
    device=/dev/vdh
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdh" >&2; then
      sgdisk --clear "/dev/vdh"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-dedup1-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdh" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-dedup1-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdh" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdh" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-dedup1-zfs   #
      device=/dev/disk/by-partlabel/disk-dedup1-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-dedup1-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk dedup2 /dev/vdi   #
  destroy=1
  device=/dev/vdi
  imageName=dedup2
  imageSize=2G
  name=dedup2
  type=disk
  
  ( # gpt  /dev/vdi   #
    device=/dev/vdi
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdi" >&2; then
      sgdisk --clear "/dev/vdi"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-dedup2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdi" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-dedup2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdi" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdi" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-dedup2-zfs   #
      device=/dev/disk/by-partlabel/disk-dedup2-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-dedup2-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk dedup3 /dev/vdj   #
  destroy=1
  device=/dev/vdj
  imageName=dedup3
  imageSize=2G
  name=dedup3
  type=disk
  
  ( # gpt  /dev/vdj   #
    device=/dev/vdj
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdj" >&2; then
      sgdisk --clear "/dev/vdj"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-dedup3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdj" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-dedup3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdj" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdj" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-dedup3-zfs   #
      device=/dev/disk/by-partlabel/disk-dedup3-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-dedup3-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk log1 /dev/vde   #
  destroy=1
  device=/dev/vde
  imageName=log1
  imageSize=2G
  name=log1
  type=disk
  
  ( # gpt  /dev/vde   #
    device=/dev/vde
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vde" >&2; then
      sgdisk --clear "/dev/vde"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-log1-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vde" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-log1-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vde" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vde" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-log1-zfs   #
      device=/dev/disk/by-partlabel/disk-log1-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-log1-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk log2 /dev/vdf   #
  destroy=1
  device=/dev/vdf
  imageName=log2
  imageSize=2G
  name=log2
  type=disk
  
  ( # gpt  /dev/vdf   #
    device=/dev/vdf
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdf" >&2; then
      sgdisk --clear "/dev/vdf"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-log2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdf" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-log2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdf" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdf" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-log2-zfs   #
      device=/dev/disk/by-partlabel/disk-log2-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-log2-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk log3 /dev/vdg   #
  destroy=1
  device=/dev/vdg
  imageName=log3
  imageSize=2G
  name=log3
  type=disk
  
  ( # gpt  /dev/vdg   #
    device=/dev/vdg
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdg" >&2; then
      sgdisk --clear "/dev/vdg"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-log3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdg" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-log3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdg" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdg" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-log3-zfs   #
      device=/dev/disk/by-partlabel/disk-log3-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-log3-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk spare /dev/vdd   #
  destroy=1
  device=/dev/vdd
  imageName=spare
  imageSize=2G
  name=spare
  type=disk
  
  ( # gpt  /dev/vdd   #
    device=/dev/vdd
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdd" >&2; then
      sgdisk --clear "/dev/vdd"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-spare-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdd" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-spare-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdd" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdd" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-spare-zfs   #
      device=/dev/disk/by-partlabel/disk-spare-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-spare-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk special1 /dev/vdk   #
  destroy=1
  device=/dev/vdk
  imageName=special1
  imageSize=2G
  name=special1
  type=disk
  
  ( # gpt  /dev/vdk   #
    device=/dev/vdk
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdk" >&2; then
      sgdisk --clear "/dev/vdk"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-special1-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdk" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-special1-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdk" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdk" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-special1-zfs   #
      device=/dev/disk/by-partlabel/disk-special1-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-special1-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk special2 /dev/vdl   #
  destroy=1
  device=/dev/vdl
  imageName=special2
  imageSize=2G
  name=special2
  type=disk
  
  ( # gpt  /dev/vdl   #
    device=/dev/vdl
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdl" >&2; then
      sgdisk --clear "/dev/vdl"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-special2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdl" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-special2-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdl" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdl" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-special2-zfs   #
      device=/dev/disk/by-partlabel/disk-special2-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-special2-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # disk special3 /dev/vdm   #
  destroy=1
  device=/dev/vdm
  imageName=special3
  imageSize=2G
  name=special3
  type=disk
  
  ( # gpt  /dev/vdm   #
    device=/dev/vdm
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/vdm" >&2; then
      sgdisk --clear "/dev/vdm"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-special3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdm" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-special3-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdm" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdm" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-special3-zfs   #
      device=/dev/disk/by-partlabel/disk-special3-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-special3-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # zpool zroot   / #
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  readarray -t zfs_devices < <(cat "$disko_devices_dir/zfs_zroot")
  if [ ${#zfs_devices[@]} -eq 0 ]; then
    echo "no devices found for zpool zroot. Did you misspell the pool name?" >&2
    exit 1
  fi
  # Try importing the pool without mounting anything if it exists.
  # This allows us to set mounpoints.
  if zpool import -N -f "zroot" || zpool list "zroot"; then
    echo "not creating zpool zroot as a pool with that name already exists" >&2
  else
    continue=1
    for dev in "${zfs_devices[@]}"; do
      if ! blkid "$dev" >/dev/null; then
        # blkid fails, so device seems empty
        :
      elif (blkid "$dev" -o export | grep '^PTUUID='); then
        echo "device $dev already has a partuuid, skipping creating zpool zroot" >&2
        continue=0
      elif (blkid "$dev" -o export | grep '^TYPE=zfs_member'); then
        # zfs_member is a zfs partition, so we try to add the device to the pool
        :
      elif (blkid "$dev" -o export | grep '^TYPE='); then
        echo "device $dev already has a partition, skipping creating zpool zroot" >&2
        continue=0
      fi
    done
    if [ $continue -eq 1 ]; then
      topology=""
      # For shell check
      mode="prescribed"
      if [ "$mode" != "prescribed" ]; then
        topology="prescribed ${zfs_devices[*]}"
      else
        entries=()
        entries+=(" =/dev/disk/by-partlabel/disk-data1-zfs")
  entries+=(" mirror=/dev/disk/by-partlabel/disk-data2-zfs /dev/disk/by-partlabel/disk-data3-zfs")
  
        entries+=("spare =/dev/disk/by-partlabel/disk-spare-zfs")
  
        entries+=("log =/dev/disk/by-partlabel/disk-log3-zfs")
  entries+=("log mirror=/dev/disk/by-partlabel/disk-log1-zfs /dev/disk/by-partlabel/disk-log2-zfs")
  
        entries+=("dedup =/dev/disk/by-partlabel/disk-dedup3-zfs")
  entries+=("dedup mirror=/dev/disk/by-partlabel/disk-dedup1-zfs /dev/disk/by-partlabel/disk-dedup2-zfs")
  
        entries+=("special =/dev/disk/by-partlabel/disk-special3-zfs")
  entries+=("special mirror=/dev/disk/by-partlabel/disk-special1-zfs /dev/disk/by-partlabel/disk-special2-zfs")
  
        entries+=("cache =/dev/disk/by-partlabel/disk-cache-zfs")
  
        all_devices=()
        last_type=
        for line in "${entries[@]}"; do
          # lineformat is type mode=device1 device2 device3
          mode="${line%%=*}"
          type="${mode%% *}"
          mode="${mode#"$type "}"
          devs="${line#*=}"
          IFS=' ' read -r -a devices <<< "$devs"
          all_devices+=("${devices[@]}")
          if ! [ "$type" = "$last_type" ]; then
            topology+=" $type"
            last_type="$type"
          fi
          topology+=" ${mode} ${devices[*]}"
        done
        # all_devices sorted should equal zfs_devices sorted
        all_devices_list=$(echo "${all_devices[*]}" | tr ' ' '\n' | sort)
        zfs_devices_list=$(echo "${zfs_devices[*]}" | tr ' ' '\n' | sort)
        if [[ "$all_devices_list" != "$zfs_devices_list" ]]; then
          echo "not all disks accounted for, skipping creating zpool zroot" >&2
          diff  <(echo "$all_devices_list" ) <(echo "$zfs_devices_list") >&2
          continue=0
        fi
      fi
    fi
    if [ $continue -eq 1 ]; then
      zpool create -f "zroot" \
        -R /mnt \
         \
         \
        -O com.sun:auto-snapshot=false -O compression=zstd \
        ${topology:+ $topology}
      if [[ $(zfs get -H mounted "zroot" | cut -f3) == "yes" ]]; then
        zfs unmount "zroot"
      fi
    fi
  fi
  ( # zfs_fs __root   / #
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=__root
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zstd)
    type=zfs_fs
    
    if ! zfs get type "zroot" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    else
      zfs set -u com.sun:auto-snapshot=false compression=zstd mountpoint=/ "zroot"
    
    fi
    
    
  )
  ( # zfs_fs zfs_fs   /zfs_fs #
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! zfs get type "zroot/zfs_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/zfs_fs" \
      -o com.sun:auto-snapshot=true -o mountpoint=/zfs_fs
    
    else
      zfs set -u com.sun:auto-snapshot=true mountpoint=/zfs_fs "zroot/zfs_fs"
    
    fi
    
    
  )
  
  
  
)

