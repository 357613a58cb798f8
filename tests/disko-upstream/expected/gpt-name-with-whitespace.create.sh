set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk vdb /dev/disk/by-id/some-disk-id   #
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  ( # gpt  /dev/disk/by-id/some-disk-id   #
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/some-disk-id" >&2; then
      sgdisk --clear "/dev/disk/by-id/some-disk-id"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+100M \
     --partition-guid="1:R" \
    --change-name="1:disk-vdb-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-vdb-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/some-disk-id" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:+100M \
     --partition-guid="2:R" \
    --change-name="2:disk-vdb-name with spaces" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-vdb-name with spaces" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/some-disk-id" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=3:0:+100M \
     --partition-guid="3:R" \
    --change-name="3:bda9ca5ea830ae986b7f25657727a441c6d7" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:bda9ca5ea830ae986b7f25657727a441c6d7" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/some-disk-id" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=4:0:-0 \
     --partition-guid="4:R" \
    --change-name="4:disk-vdb-root" \
    --typecode=4:8300 \
    --attributes=4:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    then
      sgdisk --partition-guid="4:R" \
    --change-name="4:disk-vdb-root" \
    --typecode=4:8300 \
    --attributes=4:=:0 \
     \
    "/dev/disk/by-id/some-disk-id" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/some-disk-id" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-vdb-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-vdb-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-vdb-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-vdb-ESP"
      fi
      
      
    )
    
    ( # filesystem  /dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces vfat /name with spaces #
      device='/dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces'
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint='/name with spaces'
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-vdb-name\x20with\x20spaces"
      fi
      
      
    )
    
    ( # filesystem  /dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7 vfat /name^with\some@special#chars #
      device=/dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint='/name^with\some@special#chars'
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/bda9ca5ea830ae986b7f25657727a441c6d7"
      fi
      
      
    )
    
    ( # filesystem  /dev/disk/by-partlabel/disk-vdb-root ext4 / #
      device=/dev/disk/by-partlabel/disk-vdb-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-vdb-root" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-vdb-root"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

