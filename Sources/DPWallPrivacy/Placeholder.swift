public enum DPWallPrivacyModule {}
