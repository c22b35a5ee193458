package org.globalsessions.sample;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.springframework.http.MediaType;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.authentication.session.SessionAuthenticationException;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The login and logout pages. Spring Security's own login page says "Invalid credentials" for
 * every failed login; this one says why a login was refused at the cap on sessions per user (the
 * message of the {@link SessionAuthenticationException} global-sessions' check threw), and
 * "wrong user name or password" for every other failure, so that it tells nobody which user
 * names exist.
 */
@RestController
public class LoginController {

    /** The session attribute holding what the login page says after a failed login. */
    static final String LOGIN_ERROR = "sample.login-error";

    /**
     * A failed login: back to the login page, keeping in the session only what the page says.
     * Spring Security's own failure handler keeps the whole exception there, and a session is one
     * record of the host's table (8 KiB in this sample): a wrong password's exception, with its
     * stack trace and the login request it failed for (the password typed included), made the
     * session 8.9 KB, and every wrong password failed with an HTTP 500.
     */
    static void failed(HttpServletRequest request, HttpServletResponse response, AuthenticationException failure) throws IOException {
        String why = failure instanceof SessionAuthenticationException refused ? refused.getMessage() : "Wrong user name or password.";
        request.getSession().setAttribute(LOGIN_ERROR, why);
        response.sendRedirect("/login?error");
    }

    @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
    public String login(@RequestParam(name = "error", required = false) String error,
                        @RequestParam(name = "logout", required = false) String logout,
                        HttpSession session, CsrfToken csrf) {
        String notice = "";
        if (error != null && session.getAttribute(LOGIN_ERROR) instanceof String why) {
            notice = "<p id=\"error\" role=\"alert\">" + HtmlUtils.htmlEscape(why) + "</p>";
        } else if (logout != null) {
            notice = "<p id=\"logged-out\">You are signed out.</p>";
        }
        return page("Sign in", notice
                + "<form method=\"post\" action=\"/login\">"
                + "<p><label>User name <input name=\"username\" autocomplete=\"username\" autofocus></label></p>"
                + "<p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>"
                + csrfInput(csrf) + "<button type=\"submit\">Sign in</button></form>");
    }

    /** Logging out is a POST (with the CSRF token): this page asks for it. */
    @GetMapping(path = "/logout", produces = MediaType.TEXT_HTML_VALUE)
    public String logout(CsrfToken csrf) {
        return page("Log out", "<form method=\"post\" action=\"/logout\">" + csrfInput(csrf)
                + "<button type=\"submit\">Log out</button></form>");
    }

    /** The hidden form field that carries the CSRF token of a POST. */
    static String csrfInput(CsrfToken csrf) {
        return "<input type=\"hidden\" name=\"" + csrf.getParameterName() + "\" value=\"" + HtmlUtils.htmlEscape(csrf.getToken()) + "\">";
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html><html><head><title>" + title + " - global-sessions sample</title></head><body><h1>" + title + "</h1>"
                + body + "</body></html>";
    }
}
