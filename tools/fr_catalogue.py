"""Fill translations/fr from the French texts below, then keep English msgids untranslated.

Run after `pybabel extract` + `pybabel update`: `python tools/fr_catalogue.py`. A msgid with no
French text here is reported, so nothing ships half-translated.
"""
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

FR = {
    "father": "père", "mother": "mère", "guardian": "tuteur", "other": "autre",
    "child": "enfant", "adult": "adulte",
    "queued": "en attente", "running": "en cours", "finished": "terminé", "failed": "échec",
    "A household with members cannot be deleted: move or archive them.":
        "Un foyer qui a des membres ne peut pas être supprimé : déplacez-les ou archivez-les.",
    "People are archived, not deleted: use “Archive”.":
        "Les personnes s'archivent, elles ne se suppriment pas : utilisez « Archiver ».",
    "Unknown person.": "Personne inconnue.",
    "Unknown household.": "Foyer inconnu.",
    "%(name)s already belongs to this household.": "%(name)s fait déjà partie de ce foyer.",
    "The end of portal availability must not be before its start.":
        "La fin de disponibilité sur le portail ne peut pas précéder son début.",
    "The document name is required.": "Le nom du document est obligatoire.",
    "Choose a file to upload.": "Choisissez un fichier à envoyer.",
    "The file is empty.": "Le fichier est vide.",
    "The file is too large (%(size)s MB at most).":
        "Le fichier est trop volumineux (%(size)s Mo au maximum).",
    "This file type is not accepted: send a PDF, JPEG or PNG file.":
        "Ce type de fichier n'est pas accepté : envoyez un fichier PDF, JPEG ou PNG.",
    "The e-mail address “%(email)s” is not valid.":
        "L'adresse e-mail « %(email)s » n'est pas valide.",
    "A postal code has five digits.": "Un code postal comporte cinq chiffres.",
    "The last name is required.": "Le nom est obligatoire.",
    "The first name is required.": "Le prénom est obligatoire.",
    "The birth date cannot be in the future.": "La date de naissance ne peut pas être dans le futur.",
    "A child's birth date is required.": "La date de naissance de l'enfant est obligatoire.",
    "The household name is required.": "Le nom du foyer est obligatoire.",
    "%(name)s is archived: unarchive the record before changing it.":
        "%(name)s est archivé(e) : désarchivez la fiche avant de la modifier.",
    "Only a child can have a legal guardian.": "Seul un enfant peut avoir un responsable légal.",
    "A legal guardian must be an adult.": "Un responsable légal doit être un adulte.",
    "Choose the relation: father, mother, guardian or other.":
        "Choisissez le lien : père, mère, tuteur ou autre.",
    "%(adult)s is already a legal guardian of %(child)s.":
        "%(adult)s est déjà responsable légal de %(child)s.",
    "The first person of a household must be an adult.":
        "La première personne d'un foyer doit être un adulte.",
    "Choose the relation between the adult and the child.":
        "Choisissez le lien entre le responsable et l'enfant.",
    "Choose a household or give the new household's name.":
        "Choisissez un foyer ou indiquez le nom du nouveau foyer.",
    "Only an adult can be moved to another household.":
        "Seul un responsable peut être déplacé dans un autre foyer.",
    "%(name)s is already archived.": "%(name)s est déjà archivé(e).",
    "%(name)s cannot be archived: %(reasons)s": "%(name)s ne peut pas être archivé(e) : %(reasons)s",
    "%(name)s is not archived.": "%(name)s n'est pas archivé(e).",
    "Choose the adult among those found.": "Choisissez le responsable parmi ceux trouvés.",
    "Choose the child among those found.": "Choisissez l'enfant parmi ceux trouvés.",
    "Welcome to Marelle": "Bienvenue dans Marelle",
    "Canteen, childcare and holiday centres of the town.":
        "Restauration scolaire, accueil périscolaire et centres de loisirs de la commune.",
    "Households": "Foyers", "Adults": "Responsables", "Children": "Enfants",
    "Create a household": "Créer un foyer",
    "Adds believable families (two parents, single parents, separated parents, guardians) to try Marelle.":
        "Ajoute des familles vraisemblables (deux parents, parent seul, parents séparés, tuteurs) pour essayer Marelle.",
    "Load": "Charger", "archived": "archivé", "Upload": "Envoyer", "Members": "Membres",
    "No member": "Aucun membre", "Adult": "Responsable", "Nobody found": "Personne trouvée",
    "Contact details": "Coordonnées", "Child": "Enfant", "Household": "Foyer",
    "Create the household": "Créer le foyer",
    "The children linked to %(name)s follow; a child keeps the household of its other guardian.":
        "Les enfants liés à %(name)s suivent ; un enfant garde le foyer de son autre responsable.",
    "No household found": "Aucun foyer trouvé", "Move": "Déplacer", "Cancel": "Annuler",
    "Archived on %(date)s: this record is read-only.":
        "Archivé(e) le %(date)s : cette fiche est en lecture seule.",
    "No household": "Aucun foyer", "Move to another household": "Changer de foyer",
    "Legal guardians": "Responsables légaux", "No legal guardian yet": "Pas encore de responsable légal",
    "No child": "Aucun enfant", "Documents": "Documents", "No document": "Aucun document",
    "Add a document": "Ajouter un document", "Families": "Familles", "Settings": "Paramétrage",
    "Archived adults": "Responsables archivés", "Archived children": "Enfants archivés",
    "Criteria": "Critères", "Insurances": "Assurances", "Demo families": "Familles de démonstration",
    "Is empty": "Est vide", "Is not empty": "N'est pas vide",
    "New adult": "Nouveau responsable", "Existing adult": "Responsable existant",
    "Find the adult by name": "Rechercher le responsable par son nom",
    "Last name": "Nom", "First name": "Prénom", "Birth date": "Date de naissance",
    "E-mail": "E-mail", "Invalid e-mail address.": "Adresse e-mail invalide.",
    "Phone": "Téléphone", "Mobile phone": "Portable", "Profession": "Profession",
    "Add a child": "Ajouter un enfant", "New child": "Nouvel enfant",
    "Existing child": "Enfant existant", "No": "Non",
    "Find the child by name": "Rechercher l'enfant par son nom", "Relation": "Lien",
    "Household name": "Nom du foyer", "Address": "Adresse", "Postal code": "Code postal",
    "City": "Ville", "Move to": "Déplacer vers", "an existing household": "un foyer existant",
    "a new household": "un nouveau foyer", "Find the household by name": "Rechercher le foyer par son nom",
    "New household name": "Nom du nouveau foyer", "File (PDF, JPEG or PNG)": "Fichier (PDF, JPEG ou PNG)",
    "Name": "Nom", "Description": "Description", "On the portal from": "Sur le portail à partir du",
    "On the portal until": "Sur le portail jusqu'au", "Background job": "Traitement en arrière-plan",
    "Number of children": "Nombre d'enfants", "Give a number of children.": "Indiquez un nombre d'enfants.",
    "Between 1 and 50,000 children.": "Entre 1 et 50 000 enfants.",
    "Loading demo families…": "Chargement des familles de démonstration…",
    "Kind": "Type", "Portal access": "Accès portail", "Notes": "Notes", "Archived on": "Archivé le",
    "Created on": "Créé le",
    "Possible duplicate: %(names)s already registered with the same names and birth date.":
        "Doublon possible : %(names)s déjà enregistré(e) avec les mêmes nom, prénom et date de naissance.",
    "Member": "Membre", "Rename the household": "Renommer le foyer", "Criterion": "Critère",
    "Value": "Valeur", "Person": "Personne",
    "This criterion does not apply to this kind of person.":
        "Ce critère ne s'applique pas à ce type de personne.",
    "Insurance": "Assurance", "Policy number": "Numéro de contrat", "Valid until": "Valable jusqu'au",
    "Legal guardian": "Responsable légal", "File": "Fichier", "Type": "Type",
    "Size (bytes)": "Taille (octets)", "Uploaded on": "Envoyé le",
    "Document “%(name)s” added.": "Document « %(name)s » ajouté.",
    "Add a document for %(name)s": "Ajouter un document pour %(name)s",
    "Archive": "Archiver", "Archive the selected people?": "Archiver les personnes sélectionnées ?",
    "%(name)s archived.": "%(name)s archivé(e).", "Add an adult": "Ajouter un responsable",
    "Edit an adult": "Modifier un responsable",
    "Choose the household to move to.": "Choisissez le foyer de destination.",
    "%(name)s moved to household “%(household)s”.": "%(name)s a rejoint le foyer « %(household)s ».",
    "Children who followed: %(names)s.": "Enfants qui ont suivi : %(names)s.",
    "Move %(name)s to another household": "Changer %(name)s de foyer",
    "Edit a child": "Modifier un enfant",
    "Now link the child to a legal guardian (tab “Legal guardians”).":
        "Liez maintenant l'enfant à un responsable légal (onglet « Responsables légaux »).",
    "Unarchive": "Désarchiver", "Unarchive the selected people?": "Désarchiver les personnes sélectionnées ?",
    "%(name)s unarchived.": "%(name)s désarchivé(e).", "Archived adult": "Responsable archivé",
    "Archived child": "Enfant archivé", "Household “%(name)s” created.": "Foyer « %(name)s » créé.",
    "Allowed values": "Valeurs possibles", "Label": "Libellé", "Applies to": "S'applique aux",
    "Visible on records": "Visible sur les fiches",
    "Edit": "Modifier",
    "yes": "oui", "no": "non", "children": "enfants", "adults": "responsables",
    "Add a criterion": "Ajouter un critère", "Edit a criterion": "Modifier un critère",
    "Add an allowed value": "Ajouter une valeur possible",
    "Edit an allowed value": "Modifier une valeur possible",
    "Add an insurance": "Ajouter une assurance", "Edit an insurance": "Modifier une assurance",
    "Document": "Document", "Edit a document": "Modifier un document",
    "Give a criterion value": "Renseigner un critère",
    "Change a criterion value": "Modifier un critère",
    "Add a legal guardian": "Ajouter un responsable légal",
    "%(name)s added.": "%(name)s ajouté(e).",
    "The child joins the households of this responsable.":
        "L'enfant rejoint les foyers de ce responsable.",
    "Add the child": "Ajouter l'enfant",
    "Choose the household among those found.": "Choisissez le foyer parmi ceux trouvés.",
    "Rename or change the address": "Renommer ou changer l'adresse",
    # Schooling, services, bookings, attendance
    "The status is present, excused absence or unexcused absence.":
        "Le statut est présent, absence excusée ou absence non excusée.",
    "The session of %(day)s at %(time)s has not started yet: attendance cannot be recorded.":
        "La séance du %(day)s à %(time)s n'a pas encore commencé : la présence ne peut pas être saisie.",
    "%(name)s is archived.": "%(name)s est archivé(e).",
    "Give the first and the last day.": "Indiquez le premier et le dernier jour.",
    "The last day (%(end)s) is before the first (%(start)s).":
        "Le dernier jour (%(end)s) est avant le premier (%(start)s).",
    "The range is too long: %(days)s days at most.":
        "La période est trop longue : %(days)s jours au maximum.",
    "Unknown service.": "Prestation inconnue.",
    "%(name)s is already subscribed to %(service)s from %(day)s.":
        "%(name)s est déjà inscrit(e) à %(service)s à partir du %(day)s.",
    "On %(day)s %(name)s is not in a class that has %(service)s: enroll them in their class first.":
        "Le %(day)s, %(name)s n'est pas dans une classe qui a %(service)s : inscrivez d'abord l'enfant dans sa classe.",
    "No subscription on that day.": "Pas d'inscription ce jour-là.",
    "%(service)s does not run on %(weekday)s.": "%(service)s ne fonctionne pas le %(weekday)s.",
    "Closed: %(label)s.": "Fermé : %(label)s.",
    "No class on that day.": "Pas de classe ce jour-là.",
    "The class does not have %(service)s.": "La classe n'a pas accès à %(service)s.",
    "%(day)s cannot be booked: %(reason)s": "Le %(day)s ne peut pas être réservé : %(reason)s",
    "%(day)s is already invoiced: it can no longer be cancelled.":
        "Le %(day)s est déjà facturé : il ne peut plus être annulé.",
    "Already invoiced.": "Déjà facturé.",
    "The mode is “add” or “replace”.": "Le mode est « add » (ajouter) ou « replace » (remplacer).",
    "Choose at least one day of the week.": "Choisissez au moins un jour de la semaine.",
    "Days of the week go from 0 (Monday) to 6 (Sunday).":
        "Les jours de la semaine vont de 0 (lundi) à 6 (dimanche).",
    "Week parity is “even” or “odd”.": "La parité de semaine est « even » (paire) ou « odd » (impaire).",
    "ISO week numbers go from 1 to 53.": "Les numéros de semaine ISO vont de 1 à 53.",
    "Already invoiced: kept.": "Déjà facturé : conservé.",
    "The label is required.": "Le libellé est obligatoire.",
    "The code is required.": "Le code est obligatoire.",
    "The name is required.": "Le nom est obligatoire.",
    "The mode is postpaid or prepaid.": "Le mode est facturation ou prépaiement.",
    "This IBAN is not valid: check its digits.": "Cet IBAN n'est pas valide : vérifiez ses chiffres.",
    "This BIC is not valid.": "Ce BIC n'est pas valide.",
    "This SEPA creditor identifier (ICS) is not valid: check its check digits.":
        "Cet identifiant créancier SEPA (ICS) n'est pas valide : vérifiez sa clé.",
    "The start time is required.": "L'heure de début est obligatoire.",
    "The booking deadline is a number of days, 0 or more.":
        "Le délai de réservation est un nombre de jours, 0 ou plus.",
    "The zone is A, B or C.": "La zone est A, B ou C.",
    "The official calendar does not cover %(year)s yet.":
        "Le calendrier officiel ne couvre pas encore %(year)s.",
    "Public holiday: %(name)s": "Férié : %(name)s",
    "Give a unit price or a grid of quotient brackets.":
        "Indiquez un prix unitaire ou une grille de tranches de quotient.",
    "A tariff is either a flat price or a grid, not both.":
        "Un tarif est soit un prix unique, soit une grille, pas les deux.",
    "A price cannot be negative.": "Un prix ne peut pas être négatif.",
    "The first bracket starts at quotient 0.": "La première tranche commence au quotient 0.",
    "The brackets must follow each other without gap or overlap: one should start just above %(qf)s.":
        "Les tranches doivent se suivre sans trou ni chevauchement : l'une devrait commencer juste au-dessus de %(qf)s.",
    "Only the highest bracket may have no upper bound.":
        "Seule la tranche la plus haute peut ne pas avoir de limite supérieure.",
    "A bracket must end above where it starts.": "Une tranche doit finir au-dessus de son début.",
    "The highest bracket must have no upper bound.":
        "La tranche la plus haute n'a pas de limite supérieure.",
    "This tariff overlaps the one from %(day)s: end that one first.":
        "Ce tarif chevauche celui du %(day)s : terminez d'abord celui-ci.",
    "The family quotient is a positive amount.": "Le quotient familial est un montant positif.",
    "This quotient overlaps the one from %(day)s.": "Ce quotient chevauche celui du %(day)s.",
    "No tariff for %(service)s on %(day)s.": "Aucun tarif pour %(service)s le %(day)s.",
    "Flat price %(price)s (tariff from %(since)s).": "Prix unique %(price)s (tarif du %(since)s).",
    "No known family quotient: highest bracket (%(low)s–%(high)s), %(price)s (tariff from %(since)s).":
        "Quotient familial inconnu : tranche la plus haute (%(low)s–%(high)s), %(price)s (tarif du %(since)s).",
    "Family quotient %(qf)s in bracket %(low)s–%(high)s: %(price)s (tariff from %(since)s).":
        "Quotient familial %(qf)s dans la tranche %(low)s–%(high)s : %(price)s (tarif du %(since)s).",
    "The start date is required.": "La date de début est obligatoire.",
    "The end date must not be before the start date.":
        "La date de fin ne peut pas précéder la date de début.",
    "This school year overlaps %(other)s.": "Cette année scolaire chevauche %(other)s.",
    "Choose the class.": "Choisissez la classe.",
    "%(name)s already has a class from %(day)s: change that enrollment instead.":
        "%(name)s a déjà une classe à partir du %(day)s : modifiez plutôt cette inscription.",
    "The new school year must start after the current one ends.":
        "La nouvelle année scolaire doit commencer après la fin de l'actuelle.",
    "Unknown decision “%(decision)s”.": "Décision inconnue « %(decision)s ».",
    "Missing data for required field.": "Champ obligatoire manquant.",
    "Field may not be null.": "Ce champ ne peut pas être vide.",
    "Invalid value.": "Valeur invalide.",
    "Not a valid string.": "Texte invalide.",
    "Not a valid integer.": "Nombre entier invalide.",
    "Not a valid boolean.": "Valeur vrai/faux invalide.",
    "Not a valid date (YYYY-MM-DD expected).": "Date invalide (format AAAA-MM-JJ attendu).",
    "Not a valid date and time.": "Date et heure invalides.",
    "Not a valid e-mail address.": "Adresse e-mail invalide.",
    "Must be one of: {choices}.": "Valeur attendue parmi : {choices}.",
    "Longer than maximum length {max}.": "Plus long que la longueur maximale ({max}).",
}


def main():
    root = Path(__file__).resolve().parent.parent / "translations"
    path = root / "fr" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale="fr")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        text = FR.get(message.id)
        if text is None:
            missing.append(message.id)
        else:
            message.string = text
            message.flags.discard("fuzzy")
    with open(path, "wb") as f:
        write_po(f, catalog, width=100)
    if missing:
        print("No French text for:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
