"""Command line: ``flask --app hearing themes group FILE``.

The :data:`themes` click group imports no Flask; the application registers it
(``app.cli.add_command(themes)``). It also runs on its own::

    python -m hearing.themes.cli group innspill.xlsx --text-column Innspill

Personal data is masked with the platform's :func:`hearing.privacy.mask` (the
same masking as on the web pages) before anything is printed or written.
"""

from __future__ import annotations

import click

from hearing.privacy import mask

__all__ = ["themes"]


@click.group("themes", help="Tematisk gruppering av tekster.")
def themes():
    """Theme grouping commands."""


@themes.command("group")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--text-column", required=True, help="Kolonnen med tekstene.")
@click.option("--label-column", default=None, help="Kolonne med kjente tema (gir NMI og ARI).")
@click.option("--id-column", default=None,
              help="Kolonnen med innspillenes id (ellers id, nr eller løpenummer om den finnes).")
@click.option("--guides", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Fil (CSV, TSV, XLSX) med forventede tema: kolonnene navn, beskrivelse "
                   "og stikkord (kommaseparert).")
@click.option("--confirmed", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Fil (CSV, TSV, XLSX) med bekreftede tema: kolonnene id og tema. "
                   "Innspillene blir i sitt tema, og temaene blir forventede tema.")
@click.option("--k", "k", type=click.IntRange(min=1), default=None,
              help="Antall tema (ellers velges det automatisk).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=str), default=None,
              help="Skriv radene med theme_id og theme_label til denne filen: .xlsx gir et "
                   "regneark, ellers semikolonseparert CSV for Excel.")
@click.option("--json", "as_json", is_flag=True, help="Skriv et maskinlesbart sammendrag (JSON).")
@click.option("--vectorizer", type=click.Choice(["semantic", "tfidf", "combined", "embeddings"]),
              default="semantic", show_default=True,
              help="Vektorisering: semantic beregner setningsvektorer (om lag 30 tekster i sekundet, "
                   "best gruppering); tfidf er raskest.")
@click.option("--seed", type=int, default=0, show_default=True, help="Tilfeldig frø.")
def group(file, text_column, label_column, id_column, guides, confirmed, k, out, as_json,
          vectorizer, seed):
    """Grupper tekstene i FILE (CSV, TSV eller XLSX) i tema.

    Personopplysninger (navn, telefonnumre, e-postadresser, fødselsnumre)
    maskeres før noe skrives ut eller lagres.
    """
    # imported here: `flask` and its other commands start without scikit-learn
    from .files import ThemesInputError, group_file

    try:
        result = group_file(
            file,
            text_column=text_column,
            label_column=label_column,
            id_column=id_column,
            guides=guides,
            confirmed=confirmed,
            k=k,
            out=out,
            as_json=as_json,
            vectorizer=vectorizer,
            random_state=seed,
            mask=mask,
        )
    except ThemesInputError as exc:
        click.echo(f"Feil: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(result.text())


if __name__ == "__main__":  # pragma: no cover
    themes()
