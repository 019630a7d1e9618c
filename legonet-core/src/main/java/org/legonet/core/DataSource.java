package org.legonet.core;

import java.util.Map;

/**
 * Where a model's training data came from, recorded in its directory so that the model can be
 * evaluated again later without being told. Optional: a model trained without it records the
 * dataset's own name.
 *
 * @param description what the data is, in words (shown by {@code info})
 * @param source      where it was read from (a path or URL), or {@code null}
 * @param spec        how to read it again (the reader's options), or {@code null}
 * @param trainRows   rows in the training data as read (public and private), or 0 to count the
 *                    two splits
 */
public record DataSource(String description, String source, Map<String, Object> spec, int trainRows) {
    public DataSource {
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException("a data source needs a description");
        }
        spec = spec == null ? null : Map.copyOf(spec);
    }

    /** A source known only by its description. */
    public static DataSource of(String description) {
        return new DataSource(description, null, null, 0);
    }
}
