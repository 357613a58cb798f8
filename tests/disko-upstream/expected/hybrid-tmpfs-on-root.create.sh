set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk main /dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L   #
  destroy=1
  device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L   #
    device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+1M \
     --partition-guid="1:R" \
    --change-name="1:disk-main-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-main-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:+512M \
     --partition-guid="2:R" \
    --change-name="2:disk-main-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-main-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=3:0:-0 \
     --partition-guid="3:R" \
    --change-name="3:disk-main-nix" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:disk-main-nix" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L" || : # sometimes partprobe fails, but the partitions are still up2date
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
    
    ( # filesystem  /dev/disk/by-partlabel/disk-main-nix ext4 /nix #
      device=/dev/disk/by-partlabel/disk-main-nix
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/nix
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-nix" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-main-nix"
      fi
      
      
    )
    
    
    
    
  )
  
  
)
( # nodev  tmpfs  / #
  device=tmpfs
  fsType=tmpfs
  declare -a mountOptions=('size=2G' defaults 'mode=755')
  mountpoint=/
  type=nodev
  
  
  
)

