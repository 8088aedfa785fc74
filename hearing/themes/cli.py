"""Command line: ``flask --app hearing themes group FILE``.

The :data:`themes` click group imports no Flask; the application registers it
(``app.cli.add_command(themes)``). It also runs on its own::

    python -m hearing.themes.cli group innspill.xlsx --text-column Innspill
"""

from __future__ import annotations

import click

from .files import ThemesInputError, group_file

__all__ = ["themes"]


@click.group("themes", help="Tematisk gruppering av tekster.")
def themes():
    """Theme grouping commands."""


@themes.command("group")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--text-column", required=True, help="Kolonnen med tekstene.")
@click.option("--label-column", default=None, help="Kolonne med kjente tema (gir NMI og ARI).")
@click.option("--k", "k", type=click.IntRange(min=1), default=None,
              help="Antall tema (ellers velges det automatisk).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Skriv radene med theme_id og theme_label til denne filen (CSV, TSV, XLSX).")
@click.option("--json", "as_json", is_flag=True, help="Skriv et maskinlesbart sammendrag (JSON).")
@click.option("--vectorizer", type=click.Choice(["tfidf", "combined", "embeddings"]),
              default="tfidf", show_default=True,
              help="Vektorisering; combined og embeddings beregner setningsvektorer (tregere).")
@click.option("--seed", type=int, default=0, show_default=True, help="Tilfeldig frø.")
def group(file, text_column, label_column, k, out, as_json, vectorizer, seed):
    """Grupper tekstene i FILE (CSV, TSV eller XLSX) i tema."""
    try:
        result = group_file(
            file,
            text_column=text_column,
            label_column=label_column,
            k=k,
            out=out,
            as_json=as_json,
            vectorizer=vectorizer,
            random_state=seed,
        )
    except ThemesInputError as exc:
        click.echo(f"Feil: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(result.text())


if __name__ == "__main__":  # pragma: no cover
    themes()
