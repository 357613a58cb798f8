set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk vdb /dev/sda   #
  destroy=1
  device=/dev/sda
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  ( # table  /dev/sda gpt  #
    device=/dev/sda
    format=gpt
    type=table
    
    if ! blkid "/dev/sda" >/dev/null; then
      parted -s "/dev/sda" -- mklabel gpt
      parted -s "/dev/sda" -- mkpart "ESP"  1MiB 100MiB
    
    
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    parted -s "/dev/sda" -- set 1 boot on
    
    
    # ensure further operations can detect new partitions
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    parted -s "/dev/sda" -- mkpart "name\x20with\x20spaces"  100MiB 200MiB
    
    
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    parted -s "/dev/sda" -- set 2 boot on
    
    
    # ensure further operations can detect new partitions
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    parted -s "/dev/sda" -- mkpart "root"  200MiB 100%
    
    
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    parted -s "/dev/sda" -- set 3 boot on
    
    
    # ensure further operations can detect new partitions
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    fi
    ( # filesystem  /dev/sda1 vfat /boot #
      device=/dev/sda1
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/sda1" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/sda1"
      fi
      
      
    )
    
    ( # filesystem  /dev/sda2 vfat /name_with_spaces #
      device=/dev/sda2
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(defaults)
      mountpoint=/name_with_spaces
      type=filesystem
      
      if ! (blkid "/dev/sda2" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/sda2"
      fi
      
      
    )
    
    ( # filesystem  /dev/sda3 ext4 / #
      device=/dev/sda3
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/sda3" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/sda3"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

