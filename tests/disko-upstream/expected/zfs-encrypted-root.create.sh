set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk root /dev/nvme0n1   #
  destroy=1
  device=/dev/nvme0n1
  imageName=root
  imageSize=2G
  name=root
  type=disk
  
  ( # gpt  /dev/nvme0n1   #
    device=/dev/nvme0n1
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/nvme0n1" >&2; then
      sgdisk --clear "/dev/nvme0n1"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+1G \
     --partition-guid="1:R" \
    --change-name="1:disk-root-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/nvme0n1" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-root-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/nvme0n1" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/nvme0n1" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-root-zfs" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/nvme0n1" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-root-zfs" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/nvme0n1" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/nvme0n1" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-root-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-root-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(nofail)
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-root-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-root-ESP"
      fi
      
      
    )
    
    ( # zfs  /dev/disk/by-partlabel/disk-root-zfs   #
      device=/dev/disk/by-partlabel/disk-root-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-root-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # zpool zroot    #
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=([ashift]=12)
  declare -A rootFsOptions=([acltype]=posixacl [com.sun:auto-snapshot]=true [compression]=zstd [mountpoint]=none [xattr]=sa)
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
        -o ashift=12 \
        -O acltype=posixacl -O com.sun:auto-snapshot=true -O compression=zstd -O mountpoint=none -O xattr=sa \
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
    declare -A options=([acltype]=posixacl [com.sun:auto-snapshot]=true [compression]=zstd [mountpoint]=none [xattr]=sa)
    type=zfs_fs
    
    if ! zfs get type "zroot" >/dev/null 2>&1; then
      # don't create anything for root dataset of zpools
    true
    
    else
      zfs set -u acltype=posixacl com.sun:auto-snapshot=true compression=zstd mountpoint=none xattr=sa "zroot"
    
    fi
    
    
  )
  ( # zfs_fs root   / #
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=root
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=prompt)
    type=zfs_fs
    
    if ! zfs get type "zroot/root" >/dev/null 2>&1; then
      zfs create -up "zroot/root" \
      -o encryption=aes-256-gcm -o keyformat=passphrase -o keylocation=prompt -o mountpoint=/
    
    else
      zfs set -u keylocation=prompt mountpoint=/ "zroot/root"
    
    fi
    
    
  )
  ( # zfs_fs root/nix   /nix #
    declare -a mountOptions=(defaults)
    mountpoint=/nix
    name=root/nix
    declare -A options=([mountpoint]=/nix)
    type=zfs_fs
    
    if ! zfs get type "zroot/root/nix" >/dev/null 2>&1; then
      zfs create -up "zroot/root/nix" \
      -o mountpoint=/nix
    
    else
      zfs set -u mountpoint=/nix "zroot/root/nix"
    
    fi
    
    
  )
  ( # zfs_volume root/swap    #
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=root/swap
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zle [logbias]=throughput [primarycache]=metadata [secondarycache]=none [sync]=always [volblocksize]=4096)
    size=10M
    type=zfs_volume
    
    if ! zfs get type "zroot/root/swap" >/dev/null 2>&1; then
      zfs create "zroot/root/swap" \
        -o com.sun:auto-snapshot=false -o compression=zle -o logbias=throughput -o primarycache=metadata -o secondarycache=none -o sync=always -o volblocksize=4096 \
        -V 10M 
      zvol_wait
      partprobe "/dev/zvol/zroot/root/swap"
      udevadm trigger --subsystem-match=block
      udevadm settle --timeout=120
    fi
    ( # swap  /dev/zvol/zroot/root/swap   #
      device=/dev/zvol/zroot/root/swap
      discardPolicy=''
      declare -a extraArgs=()
      declare -a mountOptions=(defaults)
      priority=''
      randomEncryption=''
      resumeDevice=''
      type=swap
      
      if ! blkid "/dev/zvol/zroot/root/swap" -o export | grep -q '^TYPE='; then
        mkswap \
           \
          "/dev/zvol/zroot/root/swap"
      fi
      
      
    )
    
    
    
  )
  
  
  
)

