package org.legonet.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Set;
import org.legonet.core.LegoNetException;

/**
 * The shared secret that guards the service. Only its SHA-256 is kept; a presented token is hashed
 * and compared with {@link MessageDigest#isEqual} (constant time, and equal lengths, so neither the
 * content nor the length of the secret leaks through timing).
 */
public final class BearerToken {
    /** The environment variable the token is read from when no file is given. */
    public static final String ENV = "LEGONET_TOKEN";
    private final byte[] digest;

    private BearerToken(byte[] digest) {
        this.digest = digest;
    }

    /** A token from its text; surrounding whitespace (a trailing newline) is dropped. */
    public static BearerToken of(String token) {
        String t = token == null ? "" : token.strip();
        if (t.isEmpty()) {
            throw new LegoNetException("the bearer token is empty");
        }
        if (t.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new LegoNetException("the bearer token must be printable ASCII without spaces");
        }
        return new BearerToken(Sha256.of(t.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The token in {@code file}, its first line. */
    public static BearerToken fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new LegoNetException("cannot read the token file " + file + ": " + e.getMessage());
        }
        return of(text.lines().findFirst().orElse(""));
    }

    /** Whether others than the owner may read {@code file} (false where permissions are not POSIX). */
    public static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Whether {@code presented} is this token, in time independent of where they differ. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        byte[] d = Sha256.of(presented.getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(d, digest);
    }

    @Override
    public String toString() {
        return "BearerToken[hidden]";
    }
}
