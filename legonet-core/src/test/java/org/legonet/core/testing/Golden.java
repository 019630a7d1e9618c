package org.legonet.core.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Copies of the golden model directories committed under legonet-core's test resources
 * ({@code golden/model-v2}, {@code golden/model-v3}), for tests in any module: from the test
 * classes folder, or from legonet-core's test jar.
 */
public final class Golden {
    /** The directory of format version 3: unkeyed id hashes, two forgotten ids. */
    public static final String V3 = "golden/model-v3";

    private Golden() {
    }

    /** A copy of the golden directory {@code golden} (e.g. {@link #V3}) at {@code to}. */
    public static Path copy(String golden, Path to) throws IOException {
        URI uri;
        try {
            uri = Golden.class.getResource("/" + golden + "/manifest.json").toURI();
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        FileSystem jar = uri.getScheme().equals("jar") ? FileSystems.newFileSystem(uri, Map.of()) : null;
        try {
            Path src = Path.of(uri).getParent();
            try (Stream<Path> all = Files.walk(src)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Path q = to.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(q);
                    } else {
                        Files.copy(p, q);
                    }
                }
            }
        } finally {
            if (jar != null) {
                jar.close();
            }
        }
        return to;
    }
}
