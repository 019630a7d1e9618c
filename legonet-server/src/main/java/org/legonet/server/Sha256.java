package org.legonet.server;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 for the service's checksums, hash chain and token comparison (the JDK's, in lower-case hex). */
final class Sha256 {
    private Sha256() {
    }

    static byte[] of(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    static String hex(byte[] data) {
        return HexFormat.of().formatHex(of(data));
    }
}
