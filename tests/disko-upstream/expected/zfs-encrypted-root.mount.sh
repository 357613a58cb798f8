set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/nvme0n1
  imageName=root
  imageSize=2G
  name=root
  type=disk
  
  (
    device=/dev/nvme0n1
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=([ashift]=12)
  declare -A rootFsOptions=([acltype]=posixacl [com.sun:auto-snapshot]=true [compression]=zstd [mountpoint]=none [xattr]=sa)
  type=zpool
  
  zpool list "zroot" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "zroot"
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=root
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=prompt)
    type=zfs_fs
    
    if [ "$(zfs get keystatus zroot/root -H -o value)" == "unavailable" ]; then
      zfs load-key zroot/root
    fi
    
    
  )
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=root/swap
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zle [logbias]=throughput [primarycache]=metadata [secondarycache]=none [sync]=always [volblocksize]=4096)
    size=10M
    type=zfs_volume
    
    
    
    
    
    
  )
  
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=([ashift]=12)
  declare -A rootFsOptions=([acltype]=posixacl [com.sun:auto-snapshot]=true [compression]=zstd [mountpoint]=none [xattr]=sa)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=root
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=prompt)
    type=zfs_fs
    
    if ! findmnt zroot/root "/mnt/" >/dev/null 2>&1; then
      mount zroot/root "/mnt/" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/nvme0n1
  imageName=root
  imageSize=2G
  name=root
  type=disk
  
  (
    device=/dev/nvme0n1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-root-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=(nofail)
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-root-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-root-ESP" "/mnt/boot" \
          -t "vfat" \
          -o nofail \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=''
  name=zroot
  declare -A options=([ashift]=12)
  declare -A rootFsOptions=([acltype]=posixacl [com.sun:auto-snapshot]=true [compression]=zstd [mountpoint]=none [xattr]=sa)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/nix
    name=root/nix
    declare -A options=([mountpoint]=/nix)
    type=zfs_fs
    
    if ! findmnt zroot/root/nix "/mnt/nix" >/dev/null 2>&1; then
      mount zroot/root/nix "/mnt/nix" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)

