set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

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
    --change-name="2:disk-x-zfs" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sdx" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-x-zfs" \
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
    
    ( # zfs  /dev/disk/by-partlabel/disk-x-zfs   #
      device=/dev/disk/by-partlabel/disk-x-zfs
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-x-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
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
      pool=zroot
      type=zfs
      
      echo "/dev/disk/by-partlabel/disk-y-zfs" >>"$disko_devices_dir"/zfs_zroot
      
      
    )
    
    
    
    
  )
  
  
)
( # zpool zroot   / #
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
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
        -o cachefile=none \
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
  ( # zfs_fs encrypted    #
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=encrypted
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=file:///tmp/secret.key [mountpoint]=none)
    type=zfs_fs
    
    if ! zfs get type "zroot/encrypted" >/dev/null 2>&1; then
      zfs create -up "zroot/encrypted" \
      -o encryption=aes-256-gcm -o keyformat=passphrase -o keylocation=file:///tmp/secret.key -o mountpoint=none
    
    else
      zfs set -u keylocation=file:///tmp/secret.key mountpoint=none "zroot/encrypted"
    
    fi
    
    
  )
  ( # zfs_fs encrypted/test   /zfs_crypted #
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_crypted
    name=encrypted/test
    declare -A options=()
    type=zfs_fs
    
    if ! zfs get type "zroot/encrypted/test" >/dev/null 2>&1; then
      zfs create -up "zroot/encrypted/test" \
      -o mountpoint=/zfs_crypted
    
    else
      zfs set -u mountpoint=/zfs_crypted "zroot/encrypted/test"
    
    fi
    
    
  )
  ( # zfs_volume zfs_encryptedvolume    #
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_encryptedvolume
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=file:///tmp/secret.key)
    size=10M
    type=zfs_volume
    
    if ! zfs get type "zroot/zfs_encryptedvolume" >/dev/null 2>&1; then
      zfs create "zroot/zfs_encryptedvolume" \
        -o encryption=aes-256-gcm -o keyformat=passphrase -o keylocation=file:///tmp/secret.key \
        -V 10M 
      zvol_wait
      partprobe "/dev/zvol/zroot/zfs_encryptedvolume"
      udevadm trigger --subsystem-match=block
      udevadm settle --timeout=120
    fi
    ( # filesystem  /dev/zvol/zroot/zfs_encryptedvolume ext4 /ext4onzfsencrypted #
      device=/dev/zvol/zroot/zfs_encryptedvolume
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4onzfsencrypted
      type=filesystem
      
      if ! (blkid "/dev/zvol/zroot/zfs_encryptedvolume" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/zvol/zroot/zfs_encryptedvolume"
      fi
      
      
    )
    
    
    
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
  ( # zfs_fs zfs_legacy_fs   /zfs_legacy_fs #
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_legacy_fs
    name=zfs_legacy_fs
    declare -A options=([mountpoint]=legacy)
    type=zfs_fs
    
    if ! zfs get type "zroot/zfs_legacy_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/zfs_legacy_fs" \
      -o mountpoint=legacy
    
    else
      zfs set -u mountpoint=legacy "zroot/zfs_legacy_fs"
    
    fi
    
    
  )
  ( # zfs_fs zfs_unmounted_fs    #
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=zfs_unmounted_fs
    declare -A options=([mountpoint]=none)
    type=zfs_fs
    
    if ! zfs get type "zroot/zfs_unmounted_fs" >/dev/null 2>&1; then
      zfs create -up "zroot/zfs_unmounted_fs" \
      -o mountpoint=none
    
    else
      zfs set -u mountpoint=none "zroot/zfs_unmounted_fs"
    
    fi
    
    
  )
  ( # zfs_volume zfs_volume    #
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_volume
    declare -A options=()
    size=10M
    type=zfs_volume
    
    if ! zfs get type "zroot/zfs_volume" >/dev/null 2>&1; then
      zfs create "zroot/zfs_volume" \
         \
        -V 10M 
      zvol_wait
      partprobe "/dev/zvol/zroot/zfs_volume"
      udevadm trigger --subsystem-match=block
      udevadm settle --timeout=120
    fi
    ( # filesystem  /dev/zvol/zroot/zfs_volume ext4 /ext4onzfs #
      device=/dev/zvol/zroot/zfs_volume
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4onzfs
      type=filesystem
      
      if ! (blkid "/dev/zvol/zroot/zfs_volume" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/zvol/zroot/zfs_volume"
      fi
      
      
    )
    
    
    
  )
  ( # zfs_volume zfs_volume_no_content    #
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_volume_no_content
    declare -A options=()
    size=10M
    type=zfs_volume
    
    if ! zfs get type "zroot/zfs_volume_no_content" >/dev/null 2>&1; then
      zfs create "zroot/zfs_volume_no_content" \
         \
        -V 10M 
      zvol_wait
      partprobe "/dev/zvol/zroot/zfs_volume_no_content"
      udevadm trigger --subsystem-match=block
      udevadm settle --timeout=120
    fi
    
    
    
  )
  
  
  zfs list -t snapshot -H -o name | grep -E '^zroot@blank$' || zfs snapshot zroot@blank
)

