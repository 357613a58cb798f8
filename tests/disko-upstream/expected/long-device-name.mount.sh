set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=this-is-some-super-long-name-to-test-what-happens-when-the-name-is-too-long
  imageSize=2G
  name=this-is-some-super-long-name-to-test-what-happens-when-the-name-is-too-long
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=this-is-some-super-long-name-to-test-what-happens-when-the-name-is-too-long
  imageSize=2G
  name=this-is-some-super-long-name-to-test-what-happens-when-the-name-is-too-long
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/bf3cfbd77a309f330b322e19e5a8377852b1
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/bf3cfbd77a309f330b322e19e5a8377852b1" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/bf3cfbd77a309f330b322e19e5a8377852b1" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/some-disk-id
  imageName=this-is-some-super-long-name-to-test-what-happens-when-the-name-is-too-long
  imageSize=2G
  name=this-is-some-super-long-name-to-test-what-happens-when-the-name-is-too-long
  type=disk
  
  (
    device=/dev/disk/by-id/some-disk-id
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/36601cdc461d3589a280204a4b674b3cad5d
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/36601cdc461d3589a280204a4b674b3cad5d" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/36601cdc461d3589a280204a4b674b3cad5d" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)

