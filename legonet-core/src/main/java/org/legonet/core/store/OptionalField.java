package org.legonet.core.store;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a component of a stored record ({@link Manifest} and its parts, {@link org.legonet.core.ChangeRecord}) that
 * may be absent from the file. Every other component is required: the store's reader refuses a file
 * that lacks one, naming the field.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD, ElementType.RECORD_COMPONENT})
public @interface OptionalField {
}
