set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  (
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002
  imageName=disk1
  imageSize=2G
  name=disk1
  type=disk
  
  (
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=(/tmp/additionalSecret.key)
      askPassword=''
      device=/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0
      declare -a extraFormatArgs=('--iter-time 1')
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted1
      passwordFile=''
      declare -A settings=([keyFile]=/tmp/secret.key)
      type=luks
      
      if ! cryptsetup status "crypted1" >/dev/null 2>/dev/null; then
        
        cryptsetup open "/dev/disk/by-partuuid/f0f0f0f0-f0f0-f0f0-f0f0-f0f0f0f0f0f0" "crypted1" \
         \
         \
         \
        --key-file /tmp/secret.key \
       \
       \
       \
      
      fi
      
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003
  imageName=disk2
  imageSize=2G
  name=disk2
  type=disk
  
  (
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00003
    efiGptPartitionFirst=1
    type=gpt
    
    (
      declare -a additionalKeyFiles=()
      askPassword=''
      device=/dev/disk/by-partlabel/disk-disk2-luks
      declare -a extraFormatArgs=('--iter-time 1')
      declare -a extraOpenArgs=()
      initrdUnlock=1
      keyFile=''
      name=crypted2
      passwordFile=''
      declare -A settings=([keyFile]=/tmp/secret.key [keyFileOffset]=2 [keyFileSize]=8)
      type=luks
      
      if ! cryptsetup status "crypted2" >/dev/null 2>/dev/null; then
        
        cryptsetup open "/dev/disk/by-partlabel/disk-disk2-luks" "crypted2" \
         \
         \
         \
        --key-file /tmp/secret.key \
      --keyfile-size 8 \
      --keyfile-offset 2 \
       \
      
      fi
      
      
      
    )
    
    
  )
  
  
)
(
  name=pool
  type=lvm_vg
  
  vgchange -a y
  
  
  
)
(
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  (
    device=/dev/md/raid1
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  zpool list "zroot" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "zroot"
  
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_testvolume
    declare -A options=()
    size=10M
    type=zfs_volume
    
    
    
    
    
    
  )
  
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=__root
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zstd)
    type=zfs_fs
    
    if ! findmnt zroot "/mnt/" >/dev/null 2>&1; then
      mount zroot "/mnt/" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  (
    device=/dev/disk/by-id/ata-QEMU_HARDDISK_QM00001
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-disk0-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk0-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk0-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  (
    device=/dev/md/raid1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-id/md-name-any:raid1-part1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4_mdadm_lvm
      type=filesystem
      
      if ! findmnt "/dev/disk/by-id/md-name-any:raid1-part1" "/mnt/ext4_mdadm_lvm" >/dev/null 2>&1; then
        mount "/dev/disk/by-id/md-name-any:raid1-part1" "/mnt/ext4_mdadm_lvm" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/ext4_on_lvm
    type=filesystem
    
    if ! findmnt "/dev/pool/root" "/mnt/ext4_on_lvm" >/dev/null 2>&1; then
      mount "/dev/pool/root" "/mnt/ext4_on_lvm" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    touch /mnt/ext4_on_lvm/file-from-postMountHook
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_testvolume
    declare -A options=()
    size=10M
    type=zfs_volume
    
    (
      device=/dev/zvol/zroot/zfs_testvolume
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4onzfs
      type=filesystem
      
      if ! findmnt "/dev/zvol/zroot/zfs_testvolume" "/mnt/ext4onzfs" >/dev/null 2>&1; then
        mount "/dev/zvol/zroot/zfs_testvolume" "/mnt/ext4onzfs" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! findmnt zroot/zfs_fs "/mnt/zfs_fs" >/dev/null 2>&1; then
      mount zroot/zfs_fs "/mnt/zfs_fs" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=()
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_legacy_fs
    name=zfs_legacy_fs
    declare -A options=([mountpoint]=legacy)
    type=zfs_fs
    
    if ! findmnt zroot/zfs_legacy_fs "/mnt/zfs_legacy_fs" >/dev/null 2>&1; then
      mount zroot/zfs_legacy_fs "/mnt/zfs_legacy_fs" \
        -o X-mount.mkdir \
        -o defaults \
         \
        -t zfs
    fi
    
    
  )
  
  
)

