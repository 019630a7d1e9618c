package org.legonet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdKeyTest {
    private static final String HEX = "0123456789abcdef".repeat(4);
    private static final String SALT = "00112233445566778899aabbccddeeff";

    @TempDir
    Path tmp;

    /** The documented input, pinned: HMAC-SHA-256(key, SALT ":" ID), first 16 bytes (computed with Python's hmac). */
    @Test
    void hashAndCheckAreTheDocumentedHmacs() {
        IdKey key = IdKey.parse(HEX);
        assertThat(key.hashId(SALT, 42)).isEqualTo("0d4775b0c996201e09563a65dce9d12b");
        assertThat(key.check(SALT)).isEqualTo("265893cf7a26e228806f31575b9f9b2f");
        assertThat(key.matches(SALT, "265893cf7a26e228806f31575b9f9b2f")).isTrue();
        assertThat(key.matches(SALT, key.check("ffeeddccbbaa99887766554433221100"))).isFalse();
        assertThat(IdKey.generate().matches(SALT, key.check(SALT))).isFalse();
        assertThat(key.hashId(SALT, 42)).isNotEqualTo(key.hashId(SALT, 43)).isNotEqualTo(IdKey.generate().hashId(SALT, 42));
    }

    @Test
    void parseStripsWhitespaceAndRefusesAnythingElseWithoutEchoingIt() {
        assertThat(IdKey.parse(" " + HEX.substring(0, 32) + "\n" + HEX.substring(32) + "\n")).isEqualTo(IdKey.parse(HEX));
        assertThat(IdKey.parse(HEX.toUpperCase(java.util.Locale.ROOT))).isEqualTo(IdKey.parse(HEX));
        String secretish = "s3cr3t-" + HEX.substring(7);
        for (String bad : new String[] {"", HEX.substring(1), HEX + "0", secretish}) {
            assertThatThrownBy(() -> IdKey.parse(bad)).isInstanceOf(LegoNetException.class)
                    .hasMessageContaining("64 hex digits")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t").doesNotContain("\n"));
        }
        assertThat(IdKey.parse(HEX).toString()).doesNotContain(HEX.substring(0, 8)).contains("hidden");
    }

    @Test
    void writeCreatesAnOwnerOnlyFileOnceAndReadGivesTheKeyBack() throws IOException {
        IdKey key = IdKey.generate();
        Path file = tmp.resolve("keys/model.idkey");
        key.write(file);
        assertThat(IdKey.read(file)).isEqualTo(key);
        assertThat(Files.readString(file)).matches("[0-9a-f]{64}\n");
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(IdKey.readableByOthers(file)).isFalse();
            Files.setPosixFilePermissions(file, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OTHERS_READ));
            assertThat(IdKey.readableByOthers(file)).isTrue();
        }
        assertThatThrownBy(() -> IdKey.generate().write(file)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("exists already");
        assertThat(IdKey.read(file)).as("the existing key is kept").isEqualTo(key);
        try (var names = Files.list(file.getParent())) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactly("model.idkey");
        }
    }

    @Test
    void aMissingOrMalformedKeyFileIsAOneLineErrorNamingTheFile() throws IOException {
        assertThatThrownBy(() -> IdKey.read(tmp.resolve("none"))).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("none").hasMessageContaining("does not exist");
        Path bad = Files.writeString(tmp.resolve("bad.idkey"), "not a key\n");
        assertThatThrownBy(() -> IdKey.read(bad)).isInstanceOf(LegoNetException.class)
                .hasMessageContaining("bad.idkey").hasMessageContaining("64 hex digits")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not a key"));
    }
}
