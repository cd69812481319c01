package dev.wallet.balancecache.impl;

import java.nio.charset.StandardCharsets;

/** Redis Cluster's key-to-slot function: CRC16 (XMODEM) of the key's hash tag, modulo 16384. */
final class HashSlot {

  static final int SLOTS = 16384;

  private HashSlot() {
  }

  static int of(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        key = key.substring(open + 1, close);
      }
    }
    return crc16(key.getBytes(StandardCharsets.UTF_8)) % SLOTS;
  }

  private static int crc16(byte[] bytes) {
    int crc = 0;
    for (byte b : bytes) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
        crc &= 0xffff;
      }
    }
    return crc;
  }
}
