set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk main /dev/disk/by-diskseq/1   #
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  ( # gpt  /dev/disk/by-diskseq/1   #
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-diskseq/1" >&2; then
      sgdisk --clear "/dev/disk/by-diskseq/1"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:1M:128M \
     --partition-guid="1:R" \
    --change-name="1:disk-main-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-diskseq/1" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-main-ESP" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-diskseq/1" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-diskseq/1" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-main-root" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-diskseq/1" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-main-root" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-diskseq/1" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-diskseq/1" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-main-ESP vfat /boot #
      device=/dev/disk/by-partlabel/disk-main-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-ESP" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-main-ESP"
      fi
      
      
    )
    
    ( # btrfs  /dev/disk/by-partlabel/disk-main-root  / #
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=('compress=zstd' noatime)
      mountpoint=/
      type=btrfs
      
      # create the filesystem only if the device seems empty
      if ! (blkid "/dev/disk/by-partlabel/disk-main-root" -o export | grep -q '^TYPE='); then
        mkfs.btrfs "/dev/disk/by-partlabel/disk-main-root" -f
      fi
      
      
      
    )
    
    
    
    
  )
  
  
)

