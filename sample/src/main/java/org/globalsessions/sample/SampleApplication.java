package org.globalsessions.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A web application whose HTTP sessions live in global-sessions: Spring Security's form login,
 * with the session shared by every instance of the application on every host (the
 * {@code spring-session} module on the class path, and the {@code global-sessions.*} properties
 * in {@code application.properties}). Sign in as {@code alice} with the password in
 * {@code sample.password}.
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
