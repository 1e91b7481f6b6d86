public enum DPWallModule {}
