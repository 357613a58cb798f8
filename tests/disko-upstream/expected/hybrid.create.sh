set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk main /dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345   #
  destroy=1
  device=/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345   #
    device=/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+1M \
     --partition-guid="1:R" \
    --change-name="1:disk-main-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-main-boot" \
    --typecode=1:EF02 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" || : # sometimes partprobe fails, but the partitions are still up2date
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
    "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-main-ESP" \
    --typecode=2:EF00 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=3:0:-0 \
     --partition-guid="3:R" \
    --change-name="3:disk-main-root" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" \
    
    then
      sgdisk --partition-guid="3:R" \
    --change-name="3:disk-main-root" \
    --typecode=3:8300 \
    --attributes=3:=:0 \
     \
    "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S21PNXAGB12345" || : # sometimes partprobe fails, but the partitions are still up2date
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
    
    ( # filesystem  /dev/disk/by-partlabel/disk-main-root ext4 / #
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-main-root" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/disk/by-partlabel/disk-main-root"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

