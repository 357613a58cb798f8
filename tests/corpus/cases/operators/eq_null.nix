null == null
