set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk disk1 /dev/vdb   #
  destroy=1
  device=/dev/vdb
  imageName=disk1
  imageSize=2G
  name=disk1
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
    --new=1:0:+500M \
     --partition-guid="1:R" \
    --change-name="1:disk-disk1-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk1-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-disk1-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-disk1-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/vdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/vdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-disk1-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-disk1-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-disk1-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-disk1-ESP"
      fi
      
      
    )
    
    ( # filesystem  /dev/disk/by-partlabel/disk-disk1-primary ext4 / #
      device=/dev/disk/by-partlabel/disk-disk1-primary
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-disk1-primary" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-disk1-primary"
      fi
      
      
    )
    
    
    
    
  )
  
  
)
( # disk disk2 /dev/vdc   #
  destroy=1
  device=/dev/vdc
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  ( # zfs  /dev/vdc   #
    device=/dev/vdc
    pool=zroot
    type=zfs
    
    echo "/dev/vdc" >>"$disko_devices_dir"/zfs_zroot
    
    
  )
  
  
)
( # zpool zroot    #
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=()
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
         \
        ${topology:+ $topology}
      if [[ $(zfs get -H mounted "zroot" | cut -f3) == "yes" ]]; then
        zfs unmount "zroot"
      fi
    fi
  fi
  ( # zfs_fs __root    #
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=__root
    declare -A options=()
    type=zfs_fs
    
    if ! zfs get type "zroot" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    
    fi
    
    
  )
  ( # zfs_fs root    #
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=root
    declare -A options=([mountpoint]=none)
    type=zfs_fs
    
    if ! zfs get type "zroot/root" >/dev/null 2>&1; then
      zfs create -up "zroot/root" \
      -o mountpoint=none
    
    else
      zfs set -u mountpoint=none "zroot/root"
    
    fi
    
    
  )
  ( # zfs_fs root/zfs_fs   /zfs_fs #
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=root/zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! zfs get type "zroot/root/zfs_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/root/zfs_fs" \
      -o com.sun:auto-snapshot=true -o mountpoint=/zfs_fs
    
    else
      zfs set -u com.sun:auto-snapshot=true mountpoint=/zfs_fs "zroot/root/zfs_fs"
    
    fi
    
    
  )
  
  
  
)

