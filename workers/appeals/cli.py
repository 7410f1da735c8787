"""The `appeals` command-line tool.

The root group makes one `AppContext` (settings from the environment, clients on first use) and
every sub-command receives it through `pass_app` (click's `make_pass_decorator`)."""

from __future__ import annotations

import logging
import stat
import sys
from dataclasses import replace
from pathlib import Path

import click

from . import org as orgchart
from .camunda import CamundaError
from .context import AppContext, pass_app
from .settings import PROJECT_ROOT, Settings, SettingsError


def fail(message: str) -> None:
    raise click.ClickException(message)


@click.group()
@click.version_option(package_name="appeals")
@click.pass_context
def main(ctx: click.Context) -> None:
    """企业诉求闭环办理 — enterprise appeals on Camunda 7."""
    ctx.obj = AppContext(Settings.from_env())  # the one read of the environment


# ----------------------------------------------------------------------------- deploy
@main.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=PROJECT_ROOT,
              show_default=True, help="Folder holding bpmn/, dmn/ and forms/.")
@pass_app
def deploy(app: AppContext, root: Path) -> None:
    """Deploy bpmn/, dmn/ and forms/ as ONE deployment (unchanged → no new versions)."""
    from .deploy import deploy as do_deploy

    try:
        result = do_deploy(app.admin(), root)
    except (CamundaError, SettingsError, FileNotFoundError, ValueError) as exc:
        fail(f"deploy failed: {exc}")
    if result.created:
        click.echo(f"deployed {len(result.resources)} resources as {result.deployment_id}")
        for definition in result.process_definitions + result.decision_definitions:
            click.echo(f"  {definition}")
        for moved in result.migrations:
            outcome = f"not migrated: {moved.error}" if moved.error else "migrated"
            click.echo(f"  {moved.instances} running instance(s) of {moved.source} → {moved.target}: {outcome}")
    else:
        click.echo(f"unchanged: nothing deployed (last deployment {result.deployment_id})")
    if result.card_labels_filled:
        click.echo(f"  {result.card_labels_filled} running card(s) given their label (cardLabel) for the interview form")


# ----------------------------------------------------------------------------- unlock
@main.command()
@click.argument("users", nargs=-1, required=True)
@pass_app
def unlock(app: AppContext, users: tuple[str, ...]) -> None:
    """Clear the failed logins of USERS (the engine's login delay), as the admin.

    The engine delays a user's next login after a wrong password (3 s, doubling, at most 60 s); this
    ends the delay at once, e.g. for appeals-public or appeals-worker while someone guessed their
    password (README, "Login delays and unlocking")."""
    try:
        admin = app.admin()
        for user in users:
            admin.post(f"/user/{user}/unlock")
            click.echo(f"unlocked {user}")
    except (CamundaError, SettingsError) as exc:
        fail(f"unlock failed: {exc}")


# ----------------------------------------------------------------------------- org
@main.group()
def org() -> None:
    """The org chart: groups, users and their permissions."""


@org.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def org_check(file: Path) -> None:
    """Validate an org chart file without changing anything."""
    try:
        chart = orgchart.load(file)
    except orgchart.OrgChartError as exc:
        fail(str(exc))
    click.echo(f"ok: {len(chart.groups)} groups, {len(chart.users)} users")
    for county in chart.counties:  # the city's other counties (tenants, docs/city-level.md)
        own = [g for g in county.groups if g.kind not in orgchart.CITY_KINDS]
        click.echo(f"  county {county.county} (tenant {county.tenant}): {len(own)} groups, {len(county.users)} users")


@org.command("sync")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="List every change.")
@pass_app
def org_sync(app: AppContext, file: Path, verbose: bool) -> None:
    """Load the org chart FILE into Camunda identity (idempotent).

    New users get the password in APPEALS_INITIAL_PASSWORD, or a generated one written to
    DATA_DIR/initial-passwords.txt (readable by the owner only). Existing passwords are kept.
    """
    sync_org(app, file, verbose)


def sync_org(app: AppContext, file: Path, verbose: bool = False) -> None:
    settings = app.settings
    try:
        chart = orgchart.load(file)
        sync = orgchart.IdentitySync(app.admin(), settings.org.initial_password)
        report = sync.sync(chart, worker_password=settings.engine.worker_password,
                           worker_user=settings.engine.worker_user,
                           public_password=settings.public.password)
    except (orgchart.OrgChartError, CamundaError, SettingsError) as exc:
        fail(f"org sync failed: {exc}")
    app.save_org_chart(chart)
    click.echo(f"org chart {chart.county}: {len(report.created)} created, {len(report.updated)} updated, "
               f"{report.unchanged} unchanged")
    if verbose:
        for line in report.created + report.updated:
            click.echo(f"  {line}")
    if report.new_passwords:
        target = app.settings.data_dir / "initial-passwords.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as out:
            for user, password in report.new_passwords.items():
                out.write(f"{user}\t{password}\n")
        target.chmod(stat.S_IRUSR | stat.S_IWUSR)
        click.echo(f"initial passwords of {len(report.new_passwords)} new users written to {target}")


# ----------------------------------------------------------------------------- calendar
from .workdays.cli import calendar  # noqa: E402

main.add_command(calendar)

from .hotline.cli import hotline  # noqa: E402

main.add_command(hotline)

from .public.cli import public as public_group  # noqa: E402

main.add_command(public_group)

from .dashboard.cli import dashboard  # noqa: E402

main.add_command(dashboard)

from .ledger.cli import city_report, ledger, report  # noqa: E402

main.add_command(ledger)
main.add_command(report)
main.add_command(city_report)

from .suggest.cli import suggest  # noqa: E402

main.add_command(suggest)


# ----------------------------------------------------------------------------- worker
@main.command()
@click.option("--topic", "topics", multiple=True, help="Serve only these topics (default: all).")
@click.option("--max-tasks", default=8, show_default=True, help="Handlers running at once.")
@click.option("--prefetch", type=int, default=None,
              help="Tasks locked ahead of free handlers (default 120).")
@click.option("--poll-timeout", default=20.0, show_default=True, help="Long-poll timeout in seconds.")
@click.option("--lock-ms", type=int, default=None, help="Lock duration for every topic (default: per topic).")
@pass_app
def worker(app: AppContext, topics: tuple[str, ...], max_tasks: int, prefetch: int | None, poll_timeout: float,
           lock_ms: int | None) -> None:
    """Run the external-task workers until SIGTERM."""
    from .handlers import router
    from .runtime import Worker, configure_logging

    configure_logging()
    options = dict(max_tasks=max_tasks, async_response_timeout_ms=int(poll_timeout * 1000), topics=topics or None,
                   lock_duration_ms=lock_ms, prefetch=prefetch)
    try:
        engine = app.settings.engine
        if engine.nodes:  # a cluster: one long poll per node, reports through the balancer (docs/cluster.md)
            from .camunda import Camunda
            from .cluster import NodeWorkers

            nodes = [Camunda(url, *engine.require_worker(), timeout=engine.http_timeout, pool_size=4)
                     for url in engine.nodes]
            runner = NodeWorkers(app.worker_client(), nodes, router, context=app, **options)
        else:
            runner = Worker(app.worker_client(), router, context=app, **options)
    except (SettingsError, ValueError) as exc:
        fail(str(exc))
    runner.install_signal_handlers()
    runner.run()


# ----------------------------------------------------------------------------- stack
@main.command()
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Load the demo org chart and start a few demo appeals.")
@click.option("--org-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Org chart to sync (default: the demo chart).")
@click.option("--cluster", "nodes", type=int, flag_value=2, default=None,
              help="Cluster mode: two engine nodes on PostgreSQL behind HAProxy (docs/cluster.md).")
@click.option("--nodes", "nodes", type=click.IntRange(1, 8), default=None, help="Cluster mode with N nodes.")
@pass_app
def up(app: AppContext, demo: bool, org_file: Path | None, nodes: int | None) -> None:
    """Build the engine if needed, start it, deploy, sync the org chart, start the workers."""
    from . import stack
    from .deploy import deploy as do_deploy

    settings = app.settings
    try:
        auth = settings.engine.require_admin()
        settings.engine.require_worker()
        if nodes:
            from .cluster import start_local_cluster

            settings = start_local_cluster(settings, nodes, echo=click.echo)
            app = AppContext(settings)
        else:
            port = stack.port_of(settings.engine.url)
            pid = stack.start_engine(settings, port)
            click.echo(f"engine pid {pid}; waiting for it to answer ...")
            seconds = stack.wait_for_engine(settings.engine.url, auth, pid=pid)
            click.echo(f"engine up in {seconds:.1f} s")
        result = do_deploy(app.admin())
        click.echo("models deployed" if result.created else "models unchanged")
    except (stack.StackError, SettingsError, CamundaError) as exc:
        fail(str(exc))
    sync_org(app, org_file or orgchart.DEMO_ORG)
    from .cluster import cluster_child_env

    worker_env: dict[str, str] = cluster_child_env(settings)  # {} for one engine
    counties: list[stack.CountyDemo] = []
    if demo:
        # the 12345 simulator stands in for the real platform (docs/hotline.md); the workers pull from it
        key = settings.hotline.api_key or "demo-hotline-key"
        simulator_port = settings.hotline.simulator_port
        stack.start_appeals_command(settings, "hotline-simulator", ["hotline", "simulator", "--port",
                                                                    str(simulator_port), "--orders", "40", "--api-key", key])
        hotline = replace(settings.hotline, api_key=key,
                          url=settings.hotline.url or f"http://127.0.0.1:{simulator_port}/open311/v2")
        worker_env.update({"APPEALS_HOTLINE_URL": hotline.url, "APPEALS_HOTLINE_API_KEY": key})
        # the chart's other counties: each its own simulated 12345 feed and public site (docs/city-level.md)
        chart = orgchart.load(org_file or orgchart.DEMO_ORG)
        counties = stack.county_demos(settings, [(c.tenant, c.county) for c in chart.counties if c.tenant], key)
        for county in counties:
            worker_env.update(county.env)
        settings = replace(settings.with_counties(worker_env), hotline=hotline)
    worker_pid = stack.start_worker(settings, worker_env)
    click.echo(f"workers pid {worker_pid}")
    public_pages = bool(settings.public.password and settings.public.secret)
    if public_pages:
        stack.start_appeals_command(settings, "public", ["public", "serve", "--port", str(settings.public.port)],
                                    {**cluster_child_env(settings), **worker_env})
        click.echo(f"public pages (online intake, lookup, survey) http://localhost:{settings.public.port}/")
    for county in counties:
        stack.start_county_demo(settings, county, {**cluster_child_env(settings), **worker_env}, public_pages)
        click.echo(f"{county.name}: 12345 simulator http://127.0.0.1:{county.simulator_port}/open311/v2"
                   + (f", public pages http://localhost:{county.public_port}/" if public_pages else ""))
    stack.start_appeals_command(settings, "dashboard", ["dashboard", "serve", "--port", str(settings.dashboard.port)])
    click.echo(f"专班看板 (dashboard, Tasklist logins of the office and the leaders) http://localhost:{settings.dashboard.port}/")
    if demo:
        from .demo import seed

        try:
            chart = app.org_chart()
        except LookupError:
            chart = None
        click.echo(seed(app.admin(), settings, chart))
        for config in settings.hotline_feeds():
            pulled = _first_hotline_pull(app, config)
            if pulled:
                names = {county.tenant: county.name for county in counties}
                click.echo(f"{names.get(config.county, config.county)}: {pulled}" if config.county else pulled)
    base = settings.engine.url.removesuffix("/engine-rest")
    click.echo(
        f"\nTasklist  {base}/camunda/app/tasklist/\nCockpit   {base}/camunda/app/cockpit/\n"
        f"Admin     {base}/camunda/app/admin/\nREST      {settings.engine.url}\n"
        f"logs      {settings.data_dir / 'logs'}\n"
    )
    if demo:
        click.echo("demo logins (password: APPEALS_INITIAL_PASSWORD, 'demo' with `make run`):\n"
                   "  某县: office-clerk (服企办), office-director, industry-handler (工信局), county-head,\n"
                   "  乙县: yx-office-clerk, yx-office-director, yx-land-handler, yx-county-head,\n"
                   "  某市: city-officer, city-director, city-mayor, city-land-handler,\n"
                   f"  admin: {settings.engine.admin_user} / CAMUNDA_ADMIN_PASSWORD")
    click.echo("stop with `appeals down` (or `make stop`)")


def _first_hotline_pull(app: AppContext, config) -> str:
    """One pull from the 12345 simulator now (the HotlineSync process then pulls every 5 minutes).

    Called in-process (no `appeals hotline sync` child) once the simulator accepts connections
    (`stack.wait_until_listening`, up to 30 s): no failed attempts while it starts. Returns the line to
    print ("" when it did not come up or the pull failed)."""
    from . import stack
    from .hotline import HotlineError
    from .hotline.sync import sync

    try:
        stack.wait_until_listening(config.url, timeout=30.0)
        summary = sync(config, db=app.db, camunda=app.camunda).summary()
    except stack.StackError as exc:
        return f"12345 simulator: {exc}"
    except (HotlineError, SettingsError, CamundaError) as exc:
        return f"12345: first pull failed ({exc}); the HotlineSync process pulls again within 5 minutes"
    return summary.strip().splitlines()[0] if summary.strip() else "12345: synced"


@main.command()
@pass_app
def down(app: AppContext) -> None:
    """Stop the workers, then the engine."""
    from . import stack
    from .cluster import stop_local_cluster

    paths = stack.Paths(app.settings.data_dir)
    for name in stack.service_names(paths):
        click.echo(f"{name}: {'stopped' if stack.stop_process(paths, name) else 'not running'}")
    for name, was_running in stop_local_cluster(app.settings):  # `appeals up --cluster`
        click.echo(f"{name}: {'stopped' if was_running else 'not running'}")


@main.command()
@pass_app
def status(app: AppContext) -> None:
    """Report what runs."""
    from . import stack
    from .cluster import CLUSTER_SERVICES, node_names

    paths = stack.Paths(app.settings.data_dir)
    for name in [*reversed(stack.service_names(paths)), *CLUSTER_SERVICES, *node_names(paths)]:
        pid = stack.read_pid(paths, name)
        click.echo(f"{name:17} {'running, pid ' + str(pid) if pid else 'not running'}")
    try:
        camunda = app.admin()
        click.echo(f"REST    {app.settings.engine.url} Camunda {camunda.version()}")
        running = camunda.get("/process-instance/count")["count"]
        tasks = camunda.get("/task/count")["count"]
        incidents = camunda.get("/incident/count")["count"]
        click.echo(f"        {running} running instances, {tasks} open tasks, {incidents} incidents")
    except SettingsError as exc:
        click.echo(f"REST    not checked: {exc}")
    except Exception as exc:  # status reports, it does not fail
        click.echo(f"REST    {app.settings.engine.url} not answering ({type(exc).__name__})")


def run() -> None:  # pragma: no cover - `python -m appeals.cli`
    logging.basicConfig(level=logging.WARNING)
    main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
