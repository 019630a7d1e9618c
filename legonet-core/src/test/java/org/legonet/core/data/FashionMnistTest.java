package org.legonet.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.legonet.core.data.DataErrors.assertOneLineError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Locating the data on disk; nothing here touches the network. */
class FashionMnistTest {
    @TempDir
    Path root;

    @Test
    void theEnvironmentVariableWinsWhenItNamesAFolder() throws IOException {
        Path chosen = layout(root.resolve("chosen"));
        Path cwd = Files.createDirectories(root.resolve("work/repo"));
        layout(cwd.resolve(FashionMnist.SHARED).normalize());

        assertThat(FashionMnist.locate(Map.of("LEGONET_DATA", chosen.toString()), cwd, null)).contains(chosen);
    }

    @Test
    void anInvalidEnvironmentVariableIsAnErrorNamingIt() throws IOException {
        Path incomplete = Files.createDirectories(root.resolve("incomplete"));
        Files.createFile(incomplete.resolve(FashionMnist.TRAIN_IMAGES));
        Path absent = root.resolve("absent");
        Path cwd = root;

        assertOneLineError(() -> FashionMnist.locate(Map.of("LEGONET_DATA", incomplete.toString()), cwd, null),
                "LEGONET_DATA=" + incomplete, "lacks train-labels-idx1-ubyte[.gz]");
        assertOneLineError(() -> FashionMnist.locate(Map.of("LEGONET_DATA", absent.toString()), cwd, null),
                "LEGONET_DATA=" + absent, "is not a directory");
    }

    @Test
    void looksBesideTheWorkingDirectoryThenBesideTheRepositoryThenInTheCache() throws IOException {
        Path cwd = Files.createDirectories(root.resolve("a/work"));
        Path repo = Files.createDirectories(root.resolve("b/repo"));
        Path home = Files.createDirectories(root.resolve("home"));
        Map<String, String> env = Map.of("HOME", home.toString());

        assertThat(FashionMnist.locate(env, cwd, repo)).isEmpty();
        assertThat(FashionMnist.searchPath(env, cwd, repo)).containsExactly(cwd.resolve(FashionMnist.SHARED).normalize(),
                repo.resolve(FashionMnist.SHARED).normalize(), home.resolve(".cache/legonet/fashion-mnist"));
        assertThat(FashionMnist.searchPath(env, cwd, cwd)).as("the same folder is named once")
                .containsExactly(cwd.resolve(FashionMnist.SHARED).normalize(), home.resolve(".cache/legonet/fashion-mnist"));

        Path cache = layout(home.resolve(".cache/legonet/fashion-mnist"));
        assertThat(FashionMnist.locate(env, cwd, repo)).contains(cache);

        Path besideRepo = layout(repo.resolve(FashionMnist.SHARED).normalize());
        assertThat(FashionMnist.locate(env, cwd, repo)).contains(besideRepo);
        assertThat(FashionMnist.locate(env, cwd, null)).contains(cache);

        Path besideCwd = layout(cwd.resolve(FashionMnist.SHARED).normalize());
        assertThat(FashionMnist.locate(env, cwd, repo)).contains(besideCwd);
    }

    @Test
    void honoursXdgCacheHome() throws IOException {
        Path xdg = Files.createDirectories(root.resolve("xdg"));
        Path cache = layout(xdg.resolve("legonet/fashion-mnist"));
        Map<String, String> env = Map.of("XDG_CACHE_HOME", xdg.toString(), "HOME", root.resolve("home").toString());
        Path cwd = Files.createDirectories(root.resolve("a/work")); // nothing beside it, whatever is beside the temp folder

        assertThat(FashionMnist.cacheDir(env)).isEqualTo(cache);
        assertThat(FashionMnist.locate(env, cwd, null)).contains(cache);
        assertThat(FashionMnist.cacheDir(Map.of("HOME", "/h"))).isEqualTo(Path.of("/h/.cache/legonet/fashion-mnist"));
    }

    @Test
    void findPrefersThePlainFileAndAcceptsGzip() throws IOException {
        Path dir = Files.createDirectories(root.resolve("d"));
        Files.createFile(dir.resolve(FashionMnist.TRAIN_IMAGES + ".gz"));
        assertThat(FashionMnist.find(dir, FashionMnist.TRAIN_IMAGES)).contains(dir.resolve(FashionMnist.TRAIN_IMAGES + ".gz"));

        Files.createFile(dir.resolve(FashionMnist.TRAIN_IMAGES));
        assertThat(FashionMnist.find(dir, FashionMnist.TRAIN_IMAGES)).contains(dir.resolve(FashionMnist.TRAIN_IMAGES));
        assertThat(FashionMnist.find(dir, FashionMnist.TEST_LABELS)).isEmpty();
        assertThat(FashionMnist.isLayout(dir)).isFalse();
    }

    /** A folder holding the four file names (empty files: locating never reads them). */
    private static Path layout(Path dir) throws IOException {
        Files.createDirectories(dir);
        boolean gz = false;
        for (String name : FashionMnist.FILES) {
            Files.createFile(dir.resolve(gz ? name + ".gz" : name));
            gz = !gz;
        }
        return dir;
    }
}
