set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk disk1 /dev/sda   #
  destroy=1
  device=/dev/sda
  imageName=disk1
  imageSize=2G
  name=disk1
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
    --new=1:0:+512M \
     --partition-guid="1:R" \
    --change-name="1:disk-disk1-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk1-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-disk1-crypt_p1" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-disk1-crypt_p1" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/sda" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda" || : # sometimes partprobe fails, but the partitions are still up2date
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
    
    ( # luks p1 /dev/disk/by-partlabel/disk-disk1-crypt_p1   #
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk1-crypt_p1
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=p1
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      if ! blkid "/dev/disk/by-partlabel/disk-disk1-crypt_p1" >/dev/null || ! cryptsetup isLuks "/dev/disk/by-partlabel/disk-disk1-crypt_p1"; then
        
        cryptsetup -q luksFormat "/dev/disk/by-partlabel/disk-disk1-crypt_p1"  --key-file /tmp/secret.key \
       \
       \
      
      fi
      
      if ! cryptsetup status "p1" >/dev/null; then
        cryptsetup open "/dev/disk/by-partlabel/disk-disk1-crypt_p1" "p1" \
        --allow-discards \
         \
         \
        --key-file /tmp/secret.key \
       \
       \
       \
       --persistent
      fi
      
      
      
      
      
    )
    
    
    
    
  )
  
  
)
( # disk disk2 /dev/sdb   #
  destroy=1
  device=/dev/sdb
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  ( # gpt  /dev/sdb   #
    device=/dev/sdb
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/sdb" >&2; then
      sgdisk --clear "/dev/sdb"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:-0 \
     --partition-guid="1:R" \
    --change-name="1:disk-disk2-crypt_p2" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sdb" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-disk2-crypt_p2" \
    --typecode=1:8300 \
    --attributes=1:=:0 \
     \
    "/dev/sdb" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sdb" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # luks p2 /dev/disk/by-partlabel/disk-disk2-crypt_p2   #
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk2-crypt_p2
      declare -a extraFormatArgs=()
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=p2
      passwordFile=''
      declare -A settings=([allowDiscards]=1 [keyFile]=/tmp/secret.key)
      type=luks
      
      if ! blkid "/dev/disk/by-partlabel/disk-disk2-crypt_p2" >/dev/null || ! cryptsetup isLuks "/dev/disk/by-partlabel/disk-disk2-crypt_p2"; then
        
        cryptsetup -q luksFormat "/dev/disk/by-partlabel/disk-disk2-crypt_p2"  --key-file /tmp/secret.key \
       \
       \
      
      fi
      
      if ! cryptsetup status "p2" >/dev/null; then
        cryptsetup open "/dev/disk/by-partlabel/disk-disk2-crypt_p2" "p2" \
        --allow-discards \
         \
         \
        --key-file /tmp/secret.key \
       \
       \
       \
       --persistent
      fi
      
      
      ( # btrfs  /dev/mapper/p2   #
        device=/dev/mapper/p2
        declare -a extraArgs=('-d raid1' /dev/mapper/p1)
        declare -a mountOptions=(defaults)
        mountpoint=''
        type=btrfs
        
        # create the filesystem only if the device seems empty
        if ! (blkid "/dev/mapper/p2" -o export | grep -q '^TYPE='); then
          mkfs.btrfs "/dev/mapper/p2" -d raid1 /dev/mapper/p1
        fi
        if (blkid "/dev/mapper/p2" -o export | grep -q '^TYPE=btrfs$'); then
          
          (
          MNTPOINT=$(mktemp -d)
          mount "/dev/mapper/p2" "$MNTPOINT" -o subvol=/
          trap 'umount "$MNTPOINT"; rm -rf "$MNTPOINT"' EXIT
          SUBVOL_ABS_PATH="$MNTPOINT//root"
          mkdir -p "$(dirname "$SUBVOL_ABS_PATH")"
          if ! btrfs subvolume show "$SUBVOL_ABS_PATH" > /dev/null 2>&1; then
            btrfs subvolume create "$SUBVOL_ABS_PATH" 
          fi
          
        )
        
        fi
        
        
        
      )
      
      
      
    )
    
    
    
    
  )
  
  
)

