package org.legonet.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.legonet.core.adapter.Adapter;

/** Test helpers that look into, and tamper with, a model directory. */
public final class StoreFiles {
    private StoreFiles() {
    }

    /** Every regular file under {@code dir} (relative name to its bytes), sorted by name. */
    public static Map<String, byte[]> snapshot(Path dir) {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The relative names of the regular files under {@code dir}, sorted. */
    public static List<String> names(Path dir) {
        return new ArrayList<>(snapshot(dir).keySet());
    }

    /**
     * Replaces adapter {@code a.index()} of the closed store in {@code dir} by {@code a}, and
     * rewrites the manifest so that every checksum and digest is consistent with the swap: the
     * store opens without complaint, and only retraining can tell.
     */
    public static void replaceAdapter(Path dir, Adapter a) {
        try {
            Manifest m;
            String modelDigest;
            try (ModelStore store = ModelStore.open(dir, false)) {
                m = store.manifest();
                modelDigest = store.model().withAdapters(List.of(a)).digest();
            }
            List<Manifest.AdapterEntry> adapters = new ArrayList<>(m.adapters());
            Manifest.AdapterEntry old = adapters.get(a.index());
            String name = old.file();
            byte[] file = BinFile.wrap(BinFile.ADAPTER, a.toBytes());
            Files.write(dir.resolve(name), file);
            adapters.set(a.index(), new Manifest.AdapterEntry(a.index(), a.samples(), a.digest(), a.sampleSetDigest(),
                    a.seed(), name, BinFile.sha256(file)));
            Manifest next = new Manifest(m.format(), m.formatVersion(), m.generation(), m.created(), m.updated(),
                    m.legonetVersion(), m.config(), m.classes(), m.settingsDigest(), m.dataset(), m.encoder(), m.keys(), m.privateData(),
                    adapters, modelDigest, m.deletions(), m.training());
            Files.write(dir.resolve(Manifest.FILE), next.toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code haystack} contains {@code needle} as a contiguous byte sequence. */
    public static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
