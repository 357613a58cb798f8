set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk sda /dev/sda   #
  destroy=1
  device=/dev/sda
  imageName=sda
  imageSize=2G
  name=sda
  type=disk
  
  ( # table  /dev/sda msdos  #
    device=/dev/sda
    format=msdos
    type=table
    
    if ! blkid "/dev/sda" >/dev/null; then
      parted -s "/dev/sda" -- mklabel msdos
      
    parted -s "/dev/sda" -- mkpart primary  1M 100%
    
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    parted -s "/dev/sda" -- set 1 boot on
    
    
    # ensure further operations can detect new partitions
    partprobe "/dev/sda"
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    fi
    ( # filesystem  /dev/sda1 ext4 / #
      device=/dev/sda1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! (blkid "/dev/sda1" | grep -q 'TYPE='); then
        mkfs.ext4 \
           \
          "/dev/sda1"
      fi
      
      
    )
    
    
    
    
  )
  
  
)

