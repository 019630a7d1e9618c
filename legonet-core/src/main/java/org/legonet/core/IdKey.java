package org.legonet.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.legonet.core.util.Digests;

/**
 * The secret that keys a model's id hashes: 32 random bytes, kept outside the model directory.
 *
 * <p>The deletion log and the receipts name a forgotten sample only by its id hash. An unkeyed hash
 * of a small integer id under a salt stored in the directory can be reversed by hashing every
 * possible id; a keyed one cannot without this key. So the directory alone shows how many samples
 * were forgotten, when, and which adapters were retrained, but not which ids.
 *
 * <p>The id hash ({@link #hashId}) is the first 16 bytes, as 32 lowercase hex digits, of
 * HMAC-SHA-256 under this key of the US-ASCII text {@code SALT ":" ID}: the directory's
 * {@code deletions.salt} (32 hex digits), a colon, and the id in decimal ({@link Long#toString}).
 * The key check ({@link #check}) is the same truncation of HMAC-SHA-256 of
 * {@code "legonet-id-key-check:" SALT}: the manifest records it, so a wrong key is refused when the
 * model is opened instead of silently matching nothing.
 *
 * <p>A key file holds the 64 hex digits of the key (and a newline). {@link #toString()} hides
 * the key; no message of this class shows key text.
 */
public final class IdKey {
    /** The environment variable a command reads the key from when no key file is given. */
    public static final String ENV = "LEGONET_ID_KEY";
    private static final int BYTES = 32;
    private static final String CHECK_LABEL = "legonet-id-key-check:";
    private final SecretKeySpec key;

    private IdKey(byte[] bytes) {
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
    }

    /** A new random key (from {@link SecureRandom}). */
    public static IdKey generate() {
        byte[] b = new byte[BYTES];
        new SecureRandom().nextBytes(b);
        return new IdKey(b);
    }

    /**
     * A key from its 64 hex digits; whitespace anywhere (a trailing newline) is ignored.
     *
     * @throws LegoNetException one line that does not repeat the text, when it is not 64 hex digits
     */
    public static IdKey parse(String text) {
        String t = text == null ? "" : text.replaceAll("\\s+", "");
        if (t.length() != 2 * BYTES || !t.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new LegoNetException("an id key must be " + 2 * BYTES + " hex digits (" + BYTES + " bytes); the "
                    + "text given has " + t.length() + " characters" + (t.length() == 2 * BYTES ? ", not all hex" : ""));
        }
        byte[] b = new byte[BYTES];
        for (int i = 0; i < BYTES; i++) {
            b[i] = (byte) Integer.parseInt(t.substring(2 * i, 2 * i + 2), 16);
        }
        return new IdKey(b);
    }

    /**
     * The key in {@code file} ({@link #parse}).
     *
     * @throws LegoNetException one line naming the file when it cannot be read or holds no key
     */
    public static IdKey read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new LegoNetException("the id key file " + file + " does not exist");
        } catch (IOException e) {
            throw new LegoNetException("cannot read the id key file " + file + ": " + e.getMessage());
        }
        try {
            return parse(text);
        } catch (LegoNetException e) {
            throw new LegoNetException("the id key file " + file + " is not an id key: " + e.getMessage());
        }
    }

    /**
     * Writes this key to a new file readable by its owner only (mode 0600 where permissions are
     * POSIX): written to a temporary file beside it, forced to disk, then linked to {@code file},
     * which fails if {@code file} exists. Either the whole key file appears or nothing.
     *
     * @throws LegoNetException when {@code file} exists (it is never replaced) or cannot be written
     */
    public void write(Path file) {
        Path target = file.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            throw new LegoNetException("the id key file " + target + " exists already; it is never replaced");
        }
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-"
                + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE));
        try {
            if (target.getParent() != null) {
                Files.createDirectories(target.getParent());
            }
            boolean posix = Files.getFileStore(target.getParent()).supportsFileAttributeView("posix");
            if (posix) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(tmp);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap((hex() + "\n").getBytes(StandardCharsets.US_ASCII)));
                ch.force(true);
            }
            Files.createLink(target, tmp);
            try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // some file systems cannot open a directory; the link is made either way
            }
        } catch (FileAlreadyExistsException e) {
            throw new LegoNetException("the id key file " + target + " exists already; it is never replaced");
        } catch (IOException | UnsupportedOperationException e) {
            throw new LegoNetException("cannot write the id key file " + target + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // a leftover temporary key file is named as such; the key file itself is complete
            }
        }
    }

    /**
     * Whether others than the owner may read {@code file} (false where permissions are not POSIX):
     * a key file should be private to the one who forgets.
     */
    public static boolean readableByOthers(Path file) {
        try {
            Set<java.nio.file.attribute.PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                    || p.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The keyed hash of {@code id} under a model's {@code salt}, as its log and receipts keep it (32 hex). */
    public String hashId(String salt, long id) {
        return mac(salt + ":" + id);
    }

    /** The key-check value a manifest records for this key and {@code salt} (32 hex). */
    public String check(String salt) {
        return mac(CHECK_LABEL + salt);
    }

    /** Whether {@code recorded} (a manifest's key check) is this key's for {@code salt}, in constant time. */
    public boolean matches(String salt, String recorded) {
        return recorded != null && MessageDigest.isEqual(check(salt).getBytes(StandardCharsets.US_ASCII),
                recorded.getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String text) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(key);
            return Digests.hex(Arrays.copyOf(m.doFinal(text.getBytes(StandardCharsets.US_ASCII)), 16));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("the JVM has no HMAC-SHA-256", e);
        }
    }

    private String hex() {
        return Digests.hex(key.getEncoded());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IdKey other && MessageDigest.isEqual(key.getEncoded(), other.key.getEncoded());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key.getEncoded());
    }

    /** Hides the key. */
    @Override
    public String toString() {
        return "IdKey[hidden]";
    }
}
