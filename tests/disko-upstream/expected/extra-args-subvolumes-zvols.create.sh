set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk main /dev/vdb   #
  destroy=1
  device=/dev/vdb
  imageName=main
  imageSize=2G
  name=main
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
    --change-name="1:disk-main-root" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-main-root" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # btrfs  /dev/disk/by-partlabel/disk-main-root   #
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=''
      type=btrfs
      
      # create the filesystem only if the device seems empty
      if ! (blkid "/dev/disk/by-partlabel/disk-main-root" -o export | grep -q '^TYPE='); then
        mkfs.btrfs "/dev/disk/by-partlabel/disk-main-root" -f
      fi
      if (blkid "/dev/disk/by-partlabel/disk-main-root" -o export | grep -q '^TYPE=btrfs$'); then
        
        (
        MNTPOINT=$(mktemp -d)
        mount "/dev/disk/by-partlabel/disk-main-root" "$MNTPOINT" -o subvol=/
        trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"' EXIT
        SUBVOL_ABS_PATH="$MNTPOINT//root"
        mkdir -p "$(dirname "$SUBVOL_ABS_PATH")"
        if ! btrfs subvolume show "$SUBVOL_ABS_PATH" > /dev/null 2>&1; then
          btrfs subvolume create "$SUBVOL_ABS_PATH" 
        fi
        
      )
      (
        MNTPOINT=$(mktemp -d)
        mount "/dev/disk/by-partlabel/disk-main-root" "$MNTPOINT" -o subvol=/
        trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"' EXIT
        SUBVOL_ABS_PATH="$MNTPOINT//srv/data"
        mkdir -p "$(dirname "$SUBVOL_ABS_PATH")"
        if ! btrfs subvolume show "$SUBVOL_ABS_PATH" > /dev/null 2>&1; then
          btrfs subvolume create "$SUBVOL_ABS_PATH" -i 0/5
        fi
        
      )
      
      fi
      
      
      
    )
    
    
    
    
  )
  
  
)
( # disk pool /dev/vdc   #
  destroy=1
  device=/dev/vdc
  imageName=pool
  imageSize=2G
  name=pool
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
    --change-name="1:disk-pool-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-pool-zfs" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/vdc" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdc" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # zfs  /dev/disk/by-partlabel/disk-pool-zfs   #
      device=/dev/disk/by-partlabel/disk-pool-zfs
      pool=tank
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-pool-zfs" >>"$disko_devices_dir"/zfs_tank
      
      
    )
    
    
    
    
  )
  
  
)
( # zpool tank    #
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=tank
  declare -A options=()
  declare -A rootFsOptions=()
  type=zpool
  
  readarray -t zfs_devices < <(cat "$disko_devices_dir/zfs_tank")
  if [ ${#zfs_devices[@]} -eq 0 ]; then
    echo "no devices found for zpool tank. Did you misspell the pool name?" >&2
    exit 1
  fi
  # Try importing the pool without mounting anything if it exists.
  # This allows us to set mounpoints.
  if zpool import -N -f "tank" || zpool list "tank"; then
    echo "not creating zpool tank as a pool with that name already exists" >&2
  else
    continue=1
    for dev in "${zfs_devices[@]}"; do
      if ! blkid "$dev" >/dev/null; then
        # blkid fails, so device seems empty
        :
      elif (blkid "$dev" -o export | grep '^PTUUID='); then
        echo "device $dev already has a partuuid, skipping creating zpool tank" >&2
        continue=0
      elif (blkid "$dev" -o export | grep '^TYPE=zfs_member'); then
        # zfs_member is a zfs partition, so we try to add the device to the pool
        :
      elif (blkid "$dev" -o export | grep '^TYPE='); then
        echo "device $dev already has a partition, skipping creating zpool tank" >&2
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
          echo "not all disks accounted for, skipping creating zpool tank" >&2
          diff  <(echo "$all_devices_list" ) <(echo "$zfs_devices_list") >&2
          continue=0
        fi
      fi
    fi
    if [ $continue -eq 1 ]; then
      zpool create -f "tank" \
        -R /mnt \
         \
         \
         \
        ${topology:+ $topology}
      if [[ $(zfs get -H mounted "tank" | cut -f3) == "yes" ]]; then
        zfs unmount "tank"
      fi
    fi
  fi
  ( # zfs_fs __root    #
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=__root
    declare -A options=()
    type=zfs_fs
    
    if ! zfs get type "tank" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    
    fi
    
    
  )
  ( # zfs_volume vm    #
    declare -a extraArgs=(-s -b 16k)
    declare -a mountOptions=(defaults)
    name=vm
    declare -A options=()
    size=64M
    type=zfs_volume
    
    if ! zfs get type "tank/vm" >/dev/null 2>&1; then
      zfs create "tank/vm" \
         \
        -V 64M -s -b 16k
      zvol_wait
      partprobe "/dev/zvol/tank/vm"
      udevadm trigger --subsystem-match=block
      udevadm settle --timeout=120
    fi
    ( # filesystem  /dev/zvol/tank/vm ext4 /vm #
      device=/dev/zvol/tank/vm
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/vm
      type=filesystem
      
      if ! (blkid "/dev/zvol/tank/vm" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/zvol/tank/vm"
      fi
      
      
    )
    
    
    
  )
  
  
  
)

