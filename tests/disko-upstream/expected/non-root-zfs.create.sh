set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk a /dev/sda   #
  destroy=1
  device=/dev/sda
  imageName=a
  imageSize=2G
  name=a
  type=disk
  
  ( # gpt  /dev/sda   #
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sda" >&2; then
      sgdisk --clear "/dev/sda"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-a-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-a-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-a-zfs   #
      device=/dev/disk/by-partlabel/disk-a-zfs
      pool=storage2
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-a-zfs" >>"$disko_devices_dir"/zfs_storage2
      
      
    )
    
    
    
    
  )
  
  
)
( # disk x /dev/sdx   #
  destroy=1
  device=/dev/sdx
  imageName=x
  imageSize=2G
  name=x
  type=disk
  
  ( # gpt  /dev/sdx   #
    device=/dev/sdx
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sdx" >&2; then
      sgdisk --clear "/dev/sdx"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+64M \
     --partition-guid="1:R" \
    --change-name="1:disk-x-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sdx" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-x-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sdx" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdx" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-x-root" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sdx" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-x-root" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sdx" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdx" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-x-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-x-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-x-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-x-ESP"
      fi
      
      
    )
    
    ( # filesystem  /dev/disk/by-partlabel/disk-x-root ext4 / #
      device=/dev/disk/by-partlabel/disk-x-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-x-root" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-x-root"
      fi
      
      
    )
    
    
    
    
  )
  
  
)
( # disk y /dev/sdy   #
  destroy=1
  device=/dev/sdy
  imageName=y
  imageSize=2G
  name=y
  type=disk
  
  ( # gpt  /dev/sdy   #
    device=/dev/sdy
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sdy" >&2; then
      sgdisk --clear "/dev/sdy"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-y-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sdy" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-y-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sdy" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdy" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-y-zfs   #
      device=/dev/disk/by-partlabel/disk-y-zfs
      pool=storage
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-y-zfs" >>"$disko_devices_dir"/zfs_storage
      
      
    )
    
    
    
    
  )
  
  
)
( # disk z /dev/sdz   #
  destroy=1
  device=/dev/sdz
  imageName=z
  imageSize=2G
  name=z
  type=disk
  
  ( # gpt  /dev/sdz   #
    device=/dev/sdz
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sdz" >&2; then
      sgdisk --clear "/dev/sdz"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-z-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sdz" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-z-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sdz" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdz" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-z-zfs   #
      device=/dev/disk/by-partlabel/disk-z-zfs
      pool=storage
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-z-zfs" >>"$disko_devices_dir"/zfs_storage
      
      
    )
    
    
    
    
  )
  
  
)
( # zpool storage   /storage #
  declare -a mountOptions=(defaults)
  mountpoint=/storage
  name=storage
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  readarray -t zfs_devices < <(cat "$disko_devices_dir/zfs_storage")
  if [ ${#zfs_devices[@]} -eq 0 ]; then
    echo "no devices found for zpool storage. Did you misspell the pool name?" >&2
    exit 1
  fi
  # Try importing the pool without mounting anything if it exists.
  # This allows us to set mounpoints.
  if zpool import -N -f "storage" || zpool list "storage"; then
    echo "not creating zpool storage as a pool with that name already exists" >&2
  else
    continue=1
    for dev in "${zfs_devices[@]}"; do
      if ! blkid "$dev" >/dev/null; then
        # blkid fails, so device seems empty
        :
      elif (blkid "$dev" -o export | grep '^PTUUID='); then
        echo "device $dev already has a partuuid, skipping creating zpool storage" >&2
        continue=0
      elif (blkid "$dev" -o export | grep '^TYPE=zfs_member'); then
        # zfs_member is a zfs partition, so we try to add the device to the pool
        :
      elif (blkid "$dev" -o export | grep '^TYPE='); then
        echo "device $dev already has a partition, skipping creating zpool storage" >&2
        continue=0
      fi
    done
    if [ $continue -eq 1 ]; then
      topology=""
      # For shell check
      mode="mirror"
      if [ "$mode" != "prescribed" ]; then
        topology="mirror ${zfs_devices[*]}"
      else
        entries=()
        
        
        
        
        
        
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
          echo "not all disks accounted for, skipping creating zpool storage" >&2
          diff  <(echo "$all_devices_list" ) <(echo "$zfs_devices_list") >&2
          continue=0
        fi
      fi
    fi
    if [ $continue -eq 1 ]; then
      zpool create -f "storage" \
        -R /mnt \
         \
         \
         \
        ${topology:+ $topology}
      if [[ $(zfs get -H mounted "storage" | cut -f3) == "yes" ]]; then
        zfs unmount "storage"
      fi
    fi
  fi
  ( # zfs_fs __root   /storage #
    declare -a mountOptions=(defaults)
    mountpoint=/storage
    name=__root
    declare -A options=()
    type=zfs_fs
    
    if ! zfs get type "storage" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    else
      zfs set -u mountpoint=/storage "storage"
    
    fi
    
    
  )
  ( # zfs_fs dataset   /storage/dataset #
    declare -a mountOptions=(defaults)
    mountpoint=/storage/dataset
    name=dataset
    declare -A options=()
    type=zfs_fs
    
    if ! zfs get type "storage/dataset" >/dev/null 2>&1; then
      zfs create -up "storage/dataset" \
      -o mountpoint=/storage/dataset
    
    else
      zfs set -u mountpoint=/storage/dataset "storage/dataset"
    
    fi
    
    
  )
  
  
  
)
( # zpool storage2   /storage2 #
  declare -a mountOptions=(defaults)
  mountpoint=/storage2
  name=storage2
  declare -A options=()
  declare -A rootFsOptions=([canmount]=off)
  type=zpool
  
  readarray -t zfs_devices < <(cat "$disko_devices_dir/zfs_storage2")
  if [ ${#zfs_devices[@]} -eq 0 ]; then
    echo "no devices found for zpool storage2. Did you misspell the pool name?" >&2
    exit 1
  fi
  # Try importing the pool without mounting anything if it exists.
  # This allows us to set mounpoints.
  if zpool import -N -f "storage2" || zpool list "storage2"; then
    echo "not creating zpool storage2 as a pool with that name already exists" >&2
  else
    continue=1
    for dev in "${zfs_devices[@]}"; do
      if ! blkid "$dev" >/dev/null; then
        # blkid fails, so device seems empty
        :
      elif (blkid "$dev" -o export | grep '^PTUUID='); then
        echo "device $dev already has a partuuid, skipping creating zpool storage2" >&2
        continue=0
      elif (blkid "$dev" -o export | grep '^TYPE=zfs_member'); then
        # zfs_member is a zfs partition, so we try to add the device to the pool
        :
      elif (blkid "$dev" -o export | grep '^TYPE='); then
        echo "device $dev already has a partition, skipping creating zpool storage2" >&2
        continue=0
      fi
    done
    if [ $continue -eq 1 ]; then
      topology=""
      # For shell check
      mode=""
      if [ "$mode" != "prescribed" ]; then
        topology=" ${zfs_devices[*]}"
      else
        entries=()
        
        
        
        
        
        
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
          echo "not all disks accounted for, skipping creating zpool storage2" >&2
          diff  <(echo "$all_devices_list" ) <(echo "$zfs_devices_list") >&2
          continue=0
        fi
      fi
    fi
    if [ $continue -eq 1 ]; then
      zpool create -f "storage2" \
        -R /mnt \
        -m none \
         \
        -O canmount=off \
        ${topology:+ $topology}
      if [[ $(zfs get -H mounted "storage2" | cut -f3) == "yes" ]]; then
        zfs unmount "storage2"
      fi
    fi
  fi
  ( # zfs_fs __root   /storage2 #
    declare -a mountOptions=(defaults)
    mountpoint=/storage2
    name=__root
    declare -A options=([canmount]=off)
    type=zfs_fs
    
    if ! zfs get type "storage2" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    else
      zfs set -u canmount=off mountpoint=/storage2 "storage2"
    
    fi
    
    
  )
  ( # zfs_fs dataset   /storage2/dataset #
    declare -a mountOptions=(defaults)
    mountpoint=/storage2/dataset
    name=dataset
    declare -A options=()
    type=zfs_fs
    
    if ! zfs get type "storage2/dataset" >/dev/null 2>&1; then
      zfs create -up "storage2/dataset" \
      -o mountpoint=/storage2/dataset
    
    else
      zfs set -u mountpoint=/storage2/dataset "storage2/dataset"
    
    fi
    
    
  )
  
  
  
)

