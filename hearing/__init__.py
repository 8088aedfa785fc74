"""The hearing platform: participation, theme grouping and drafting for municipal strategy plans."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from hearing.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT proxies, read the client address, scheme and host from their X-Forwarded-* headers.

    Rate limits then count per client rather than per load balancer, links sent out are https, and
    request.is_secure (HSTS) holds. With 0 the headers are ignored: anyone can forge them.
    """
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, test_config)
    trust_proxies(app)

    from hearing import auth, errors, forms, i18n, labels, logs, security
    from hearing.core import web
    from hearing.extensions import (
        check_connections_on_checkout,
        csrf,
        db,
        end_sessions_quietly,
        limiter,
        login_manager,
        migrate,
    )

    db.init_app(app)
    end_sessions_quietly(app)
    check_connections_on_checkout(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    from hearing import content

    content.init_app(app)
    forms.init_app(app)
    security.init_app(app)
    web.init_app(app)  # templates' url_for
    logs.init_app(app)

    from hearing.admin import bp as admin_bp
    from hearing.auth.views import bp as auth_bp
    from hearing.drafting import bp as drafting_bp
    from hearing.exports import bp as exports_bp
    from hearing.imports import bp as imports_bp
    from hearing.participation import bp as participation_bp
    from hearing.public import bp as public_bp
    from hearing.reporting import bp as reporting_bp
    from hearing.review import bp as review_bp
    from hearing.workshop import bp as workshop_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(participation_bp)
    app.register_blueprint(workshop_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(drafting_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(reporting_bp)
    from hearing.followup import bp as followup_bp

    app.register_blueprint(followup_bp)
    from hearing.dashboard import bp as dashboard_bp

    app.register_blueprint(dashboard_bp)

    from hearing.mail.views import bp as mail_bp

    app.register_blueprint(mail_bp)

    from hearing import api
    from hearing.archive import bp as archive_bp

    api.init_app(app)
    app.register_blueprint(archive_bp)

    from hearing import cli

    cli.init_app(app)

    from hearing import jobs

    jobs.init_app(app)
    return app
