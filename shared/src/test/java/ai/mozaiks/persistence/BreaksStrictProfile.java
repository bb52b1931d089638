package ai.mozaiks.persistence;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A test (or test class) that breaks the Cosmos RU profile on purpose: {@link StrictProfileExtension} lets it pass. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface BreaksStrictProfile {
}
