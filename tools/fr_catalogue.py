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
    "No member": "Aucun membre", "Adult": "Responsable", "Nobody found": "Aucune personne trouvée",
    "Search and choose in the list.": "Cherchez et choisissez dans la liste.",
    "Name contains": "Le nom contient",
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
    # Bookings, attendance, periods, settings screens
    "present": "présent", "excused absence": "absence excusée",
    "unexcused absence": "absence non excusée", "Day": "Jour", "Service": "Prestation",
    "Classes": "Classes", "Show the sheet": "Afficher la feuille",
    "This session has not started yet: attendance can be recorded from %(time)s.":
        "Cette séance n'a pas encore commencé : la présence peut être saisie à partir de %(time)s.",
    "%(booked)s booked, %(present)s present, %(unmarked)s booked but not marked, %(extra)s present without booking.":
        "%(booked)s réservés, %(present)s présents, %(unmarked)s réservés non pointés, %(extra)s présents sans réservation.",
    "School": "Établissement", "Class": "Classe", "Booked": "Réservé", "Mark": "Pointage",
    "Present": "Présent", "Excused": "Excusé", "Unexcused": "Non excusé",
    "Nobody in these classes on that day.": "Personne dans ces classes ce jour-là.",
    "%(created)s days booked, %(removed)s removed, %(skipped)s skipped.":
        "%(created)s jours réservés, %(removed)s retirés, %(skipped)s non traités.",
    "Why": "Pourquoi", "Book": "Réserver", "Back to the grid": "Retour à la grille",
    "record": "fiche", "4 weeks before": "4 semaines avant", "4 weeks after": "4 semaines après",
    "Book by typical week": "Réserver par semaine type", "Open services": "Ouvrir des prestations",
    "No service subscribed in these weeks: open services first.":
        "Aucune prestation ouverte sur ces semaines : ouvrez d'abord les prestations.",
    "Mon": "lun.", "Tue": "mar.", "Wed": "mer.", "Thu": "jeu.", "Fri": "ven.", "Sat": "sam.",
    "Sun": "dim.", "booked": "réservé", "book": "réserver", "invoiced": "facturé",
    "Save the bookings": "Enregistrer les réservations", "Open": "Ouvrir",
    "Previous month": "Mois précédent", "Next month": "Mois suivant",
    "List of periods": "Liste des périodes",
    "The official school holidays of your zone and the public holidays become periods without services, which you then link to services and classes.":
        "Les vacances scolaires officielles de votre zone et les jours fériés deviennent des périodes sans prestations, que vous liez ensuite aux prestations et aux classes.",
    "Show": "Afficher", "From": "Du", "Until": "Au",
    "Some no-school days are not in the official data (the Ascension bridge in some years, a local day off): add them as periods yourself.":
        "Certains jours sans école manquent aux données officielles (le pont de l'Ascension certaines années, un jour local) : ajoutez-les vous-même comme périodes.",
    "Create": "Créer", "Schooling and bookings": "Scolarité et réservations",
    "Bookings": "Réservations", "Enroll in a class": "Inscrire dans une classe",
    "Enroll": "Inscrire", "History of classes": "Historique des classes", "Level": "Niveau",
    "No class yet": "Pas encore de classe", "Preview": "Aperçu",
    "%(count)s children enrolled on %(day)s.": "%(count)s enfants inscrits au %(day)s.",
    "Now": "Actuellement", "Next year": "L'an prochain", "Decision": "Décision",
    "moves up": "passe", "repeats": "redouble", "leaves": "quitte l'école",
    "Apply to all": "Appliquer à tous",
    "Nobody is enrolled at the end of this school year.":
        "Personne n'est inscrit à la fin de cette année scolaire.",
    "Activities": "Activités", "Attendance": "Pointage", "Periods": "Périodes",
    "Calendar": "Calendrier", "Periods without services": "Périodes sans prestations",
    "School years": "Années scolaires", "Schools": "Établissements", "Levels": "Niveaux",
    "New school year": "Nouvelle année scolaire", "School calendar": "Calendrier scolaire",
    "Régies": "Régies", "Products": "Produits", "Services": "Prestations", "Tariffs": "Tarifs",
    "Give a time (HH:MM).": "Indiquez une heure (HH:MM).",
    "Monday": "lundi", "Tuesday": "mardi", "Wednesday": "mercredi", "Thursday": "jeudi",
    "Friday": "vendredi", "Saturday": "samedi", "Sunday": "dimanche",
    "Services subscribed": "Prestations ouvertes", "Subscribe to a service": "Ouvrir une prestation",
    "Edit a subscription": "Modifier une inscription",
    "Days of the typical week": "Jours de la semaine type", "Mode": "Mode",
    "add to what is booked": "ajouter aux réservations existantes",
    "replace what is booked": "remplacer les réservations existantes",
    "Weeks": "Semaines", "every week": "toutes les semaines", "even weeks": "semaines paires",
    "odd weeks": "semaines impaires",
    "Only these ISO weeks (e.g. 36, 38, 40)": "Seulement ces semaines ISO (ex. 36, 38, 40)",
    "%(created)s days booked, %(removed)s cancelled.":
        "%(created)s jours réservés, %(removed)s annulés.",
    "Bookings of %(name)s": "Réservations de %(name)s",
    "Book by typical week for %(name)s": "Réserver par semaine type pour %(name)s",
    "Tick at least one service.": "Cochez au moins une prestation.",
    "Services opened for %(name)s.": "Prestations ouvertes pour %(name)s.",
    "Open services for %(name)s": "Ouvrir des prestations pour %(name)s",
    "billing after the fact": "facturation", "prepaid account": "prépaiement",
    "bookings": "réservations", "attendance": "présences", "Régie": "Régie",
    "Add a régie": "Ajouter une régie", "Edit a régie": "Modifier une régie", "Code": "Code",
    "SEPA creditor identifier (ICS)": "Identifiant créancier SEPA (ICS)", "IBAN": "IBAN",
    "BIC": "BIC", "Add a product": "Ajouter un produit", "Edit a product": "Modifier un produit",
    "Quotient brackets": "Tranches de quotient", "Add a bracket": "Ajouter une tranche",
    "Edit a bracket": "Modifier une tranche", "Tariff": "Tarif", "Quotient from": "Quotient de",
    "Quotient up to (empty: no limit)": "Quotient jusqu'à (vide : sans limite)",
    "Unit price": "Prix unitaire", "Add a tariff": "Ajouter un tarif",
    "Edit a tariff": "Modifier un tarif",
    "Flat unit price (empty: grid of brackets)": "Prix unitaire unique (vide : grille de tranches)",
    "grid": "grille",
    "Leave empty to price by family-quotient brackets, then add the brackets from the tariff's page.":
        "Laissez vide pour un prix par tranches de quotient familial, puis ajoutez les tranches depuis la page du tarif.",
    "Add a service": "Ajouter une prestation", "Edit a service": "Modifier une prestation",
    "Classes allowed": "Classes autorisées", "Start time": "Heure de début", "Days": "Jours",
    "Billed on": "Facturé sur", "Tax-deductible childcare": "Garde déductible des impôts",
    "Portal deadline (days before)": "Délai portail (jours avant)",
    "Portal deadline (time)": "Délai portail (heure)",
    "Deadline counts working days only": "Le délai ne compte que les jours ouvrés",
    "Colour": "Couleur",
    "Days it runs: 0 = Monday … 6 = Sunday, e.g. 0,1,3,4":
        "Jours de fonctionnement : 0 = lundi … 6 = dimanche, ex. 0,1,3,4",
    "Empty: every class may use it": "Vide : toutes les classes y ont accès",
    "Family quotients": "Quotients familiaux", "Add a family quotient": "Ajouter un quotient familial",
    "Edit a family quotient": "Modifier un quotient familial", "Quotient": "Quotient",
    "Without services": "Sans prestations", "Period": "Période",
    "Add a period": "Ajouter une période", "Edit a period": "Modifier une période",
    "Services closed": "Prestations fermées", "Classes (empty: all)": "Classes (vide : toutes)",
    "Source": "Source", "Remove the bookings it covers": "Supprimer les réservations concernées",
    "all": "toutes",
    "This closure covers %(count)s existing bookings, which will be removed: tick “Remove the bookings it covers” to confirm.":
        "Cette fermeture couvre %(count)s réservations existantes, qui seront supprimées : cochez « Supprimer les réservations concernées » pour confirmer.",
    "%(count)s bookings removed.": "%(count)s réservations supprimées.",
    "%(count)s invoiced bookings are kept: correct them on the invoices.":
        "%(count)s réservations déjà facturées sont conservées : corrigez-les sur les factures.",
    "Zone": "Zone", "School year": "Année scolaire",
    "%(count)s periods created: link them to services and classes.":
        "%(count)s périodes créées : liez-les aux prestations et aux classes.",
    "Add a school year": "Ajouter une année scolaire",
    "Edit a school year": "Modifier une année scolaire", "Start": "Début", "End": "Fin",
    "Add a level": "Ajouter un niveau", "Edit a level": "Modifier un niveau", "Order": "Ordre",
    "Add a class": "Ajouter une classe", "Edit a class": "Modifier une classe",
    "Add a school": "Ajouter un établissement", "Edit a school": "Modifier un établissement",
    "Schooling": "Cursus", "level of the class": "niveau de la classe",
    "%(name)s enrolled.": "%(name)s inscrit(e).",
    "Enroll %(name)s in a class": "Inscrire %(name)s dans une classe",
    "Current school year": "Année scolaire en cours",
    "New school year %(year)s: %(promote)s moved up, %(repeat)s repeating, %(leave)s leaving.":
        "Nouvelle année scolaire %(year)s : %(promote)s passent, %(repeat)s redoublent, %(leave)s quittent l'école.",
    "A booking is not moved: cancel it and book the other day.":
        "Une réservation ne se déplace pas : annulez-la et réservez l'autre jour.",
    "A list of ids is expected.": "Une liste d'identifiants est attendue.",
    "Unknown id in the list.": "Identifiant inconnu dans la liste.",
    "This record already exists.": "Cet enregistrement existe déjà.",
    "Give the day.": "Indiquez le jour.",
    # Billing
    "%(count)s unpaid invoices (%(numbers)s) must be settled first.":
        "%(count)s factures impayées (%(numbers)s) doivent d'abord être soldées.",
    "Unknown régie.": "Régie inconnue.",
    "Choose at least one service.": "Choisissez au moins une prestation.",
    "Every service must belong to the chosen régie.":
        "Chaque prestation doit appartenir à la régie choisie.",
    "The due date cannot be before the period.":
        "La date d'échéance ne peut pas précéder la période.",
    "Invoice %(number)s is validated: it can no longer change; correct it with a credit note.":
        "La facture %(number)s est validée : elle ne peut plus changer ; corrigez-la par un avoir.",
    "Unknown invoice.": "Facture inconnue.",
    "An adjustment is a discount or a surcharge.": "Un ajustement est une réduction ou une majoration.",
    "The amount must be positive.": "Le montant doit être positif.",
    "The invoice has no line for this child and service.":
        "La facture n'a aucune ligne pour cet enfant et ce service.",
    "The discount cannot be more than %(room)s, what is left to pay on what it reduces.":
        "La réduction ne peut pas dépasser %(room)s, ce qui reste à payer sur ce qu'elle "
        "réduit.",
    "Choose the invoices to validate.": "Choisissez les factures à valider.",
    "Nothing was validated: %(numbers)s are not drafts.":
        "Rien n'a été validé : %(numbers)s ne sont pas des brouillons.",
    "A credit note corrects a validated invoice.": "Un avoir corrige une facture validée.",
    "The amount of a credit note must be positive.": "Le montant d'un avoir doit être positif.",
    "The credit note cannot exceed what is left on the invoice (%(room)s).":
        "L'avoir ne peut pas dépasser ce qui reste sur la facture (%(room)s).",
    "The criterion is every week, even weeks, odd weeks or a list of weeks.":
        "Le critère est : toutes les semaines, semaines paires, semaines impaires ou une liste de semaines.",
    "Give the list of ISO weeks.": "Indiquez la liste des semaines ISO.",
    "The payer must be an adult.": "Le payeur doit être un adulte.",
    "The co-payer must be another adult.": "Le tiers solidaire doit être un autre adulte.",
    "Tick the subscriptions this rule covers.": "Cochez les prestations couvertes par cette règle.",
    "%(subscription)s is already billed to %(payer)s in week %(week)s (%(day)s): stop that rule or choose other weeks.":
        "%(subscription)s est déjà facturé à %(payer)s en semaine %(week)s (%(day)s) : arrêtez cette règle ou choisissez d'autres semaines.",
    "The rule cannot stop before it starts (%(day)s).":
        "La règle ne peut pas s'arrêter avant son début (%(day)s).",
    # Billing screens
    "validated": "validée",
    'list of weeks': 'liste de semaines',
    '%(count)s invoices selected.': '%(count)s factures sélectionnées.',
    'Replace by': 'Remplacer par',
    'Shift by (days, negative to bring forward)': 'Décaler de (jours, négatif pour avancer)',
    'Change': 'Modifier',
    'no folder': 'aucun dossier',
    'Put in the folder': 'Mettre dans le dossier',
    'Create the drafts': 'Créer les brouillons',
    'Credit note': 'Avoir',
    'Invoice': 'Facture',
    'co-payer': 'tiers solidaire',
    'Child — service — days': 'Enfant — prestation — jours',
    'Qty': 'Qté',
    'Amount': 'Montant',
    'Discount': 'Réduction',
    'Surcharge': 'Majoration',
    'Total': 'Total',
    'Amount due': 'Reste à payer',
    'PDF': 'PDF',
    'Add a discount or surcharge': 'Ajouter une réduction ou une majoration',
    'Amount (empty: all)': 'Montant (vide : tout)',
    'Reason': 'Motif',
    'Create a credit note': 'Créer un avoir',
    "No subscription among this adult's children.": 'Aucune prestation ouverte parmi les enfants de ce responsable.',
    'Add the rule': 'Ajouter la règle',
    'Save': 'Enregistrer',
    'See the drafts': 'Voir les brouillons',
    'Download the PDF': 'Télécharger le PDF',
    'DRAFT — not an invoice': 'BROUILLON — pas une facture',
    'Issued on %(day)s': 'Émise le %(day)s',
    'Period from %(start)s to %(end)s': 'Période du %(start)s au %(end)s',
    'Due date: %(day)s': 'Échéance : %(day)s',
    'Co-payer (tiers solidaire):': 'Tiers solidaire :',
    'Credit note on invoice %(number)s.': 'Avoir sur la facture %(number)s.',
    'How to pay': 'Comment payer',
    'This amount will be debited from your account on %(day)s.': 'Ce montant sera prélevé sur votre compte le %(day)s.',
    "At the régie's desk (cash, cheque to the order of the Trésor public, card, CESU, ANCV), by bank transfer, or on the parents' portal.": "Au guichet de la régie (espèces, chèque à l'ordre du Trésor public, carte, CESU, ANCV), par virement, ou sur le portail parents.",
    'Please quote the invoice number %(number)s.': 'Merci de rappeler le numéro de facture %(number)s.',
    'Billing rules': 'Règles de facturation',
    'stop, transfer, delete': 'arrêter, transférer, supprimer',
    'No billing rule': 'Aucune règle de facturation',
    'Add a billing rule': 'Ajouter une règle de facturation',
    'Billing': 'Facturation',
    'Create a group of invoices': 'Créer un groupe de factures',
    'Invoices': 'Factures',
    'Drafts': 'Brouillons',
    'To remind': 'À relancer',
    'Invoice folders': 'Dossiers de factures',
    'draft': 'brouillon',
    'unpaid': 'impayée',
    'partially paid': 'partiellement payée',
    'paid': 'payée',
    'to remind': 'à relancer',
    'cancelled': 'annulée',
    'State is': 'État est',
    'Group': 'Groupe',
    'Adjustments': 'Réductions / majorations',
    'Edit an adjustment': 'Modifier une réduction ou majoration',
    'Child (empty: whole invoice)': 'Enfant (vide : toute la facture)',
    'Service (empty: every service)': 'Prestation (vide : toutes)',
    'discount': 'réduction',
    'surcharge': 'majoration',
    'Edit a draft': 'Modifier un brouillon',
    'Number': 'Numéro',
    'State': 'État',
    'Payer': 'Payeur',
    'Co-payer': 'Tiers solidaire',
    'Issued on': 'Émise le',
    'Due date': 'Échéance',
    'Direct-debit date': 'Date de prélèvement',
    'Folder': 'Dossier',
    'Comment': 'Commentaire',
    'credit note': 'avoir',
    'invoice': 'facture',
    'Validate': 'Valider',
    'Validate the selected drafts? Numbers are final.': 'Valider les brouillons sélectionnés ? Les numéros sont définitifs.',
    '%(count)s invoices validated: %(first)s to %(last)s.': '%(count)s factures validées : %(first)s à %(last)s.',
    'Put in a folder': 'Mettre dans un dossier',
    'Change the portal display date': "Changer la date d'affichage portail",
    'Print (one PDF)': 'Imprimer (un seul PDF)',
    '%(count)s invoices put in “%(folder)s”.': '%(count)s factures mises dans « %(folder)s ».',
    'Portal display date changed on %(count)s invoices.': "Date d'affichage portail changée sur %(count)s factures.",
    'Give a date and time, or a number of days.': 'Indiquez une date et une heure, ou un nombre de jours.',
    'Credit note %(number)s created.': 'Avoir %(number)s créé.',
    'ISO weeks (e.g. 36, 38, 40)': 'Semaines ISO (ex. 36, 38, 40)',
    'Subscriptions covered': 'Prestations couvertes',
    'What to do': 'Que faire',
    'Transfer the rule or set a co-payer': 'Transférer la règle ou indiquer un tiers solidaire',
    'Stop at a date': 'Arrêter à une date',
    'Delete the rule': 'Supprimer la règle',
    'Transfer the rule to (adult number)': 'Transférer la règle sur (numéro du responsable)',
    'Co-payer (tiers solidaire, adult number)': 'Tiers solidaire (numéro du responsable)',
    'Last day': 'Dernier jour',
    'Billing rule added.': 'Règle de facturation ajoutée.',
    'Add a billing rule for %(name)s': 'Ajouter une règle de facturation pour %(name)s',
    'Billing rule updated.': 'Règle de facturation mise à jour.',
    'Billing rule of %(name)s': 'Règle de facturation de %(name)s',
    'Add a folder': 'Ajouter un dossier',
    'Edit a folder': 'Modifier un dossier',
    'Inside the folder': 'Dans le dossier',
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
    # --- issue 8: money and billing (main)
    "This is not an amount.": "Ce n'est pas un montant.",
    "An amount has at most two decimals (cents).":
        "Un montant a au plus deux décimales (les centimes).",
    "This amount is too large.": "Ce montant est trop grand.",
    "“%(text)s” is not an amount: type it like 4,50.":
        "« %(text)s » n'est pas un montant : saisissez-le comme 4,50.",
    "Invoice %(number)s is already credited in full.":
        "La facture %(number)s est déjà entièrement annulée par des avoirs.",
    "A credit note that cancels days takes their price: give the days or an amount, not both.":
        "Un avoir qui annule des jours en reprend le prix : indiquez les jours ou un montant, "
        "pas les deux.",
    "This line is not on invoice %(number)s.": "Cette ligne n'est pas sur la facture %(number)s.",
    "%(days)s: not billed on this line, or already cancelled.":
        "%(days)s : jours non facturés sur cette ligne, ou déjà annulés.",
    "Nothing left to cancel on these lines.": "Plus rien à annuler sur ces lignes.",
    "Tick the days the credit note cancels: they are released, can be corrected and are billed again by the next generation. Or give only an amount (a gesture: nothing is released).":
        "Cochez les jours que l'avoir annule : ils sont libérés, peuvent être corrigés et "
        "seront refacturés à la prochaine génération. Ou indiquez seulement un montant (un "
        "geste commercial : rien n'est libéré).",
    "all its days": "tous ses jours",
    "or some days": "ou certains jours",
    "%(day)s is already invoiced: its attendance can no longer change. Correct the invoice with a credit note first.":
        "Le %(day)s est déjà facturé : son pointage ne peut plus changer. Corrigez d'abord la "
        "facture par un avoir.",
    "Marelle is very busy right now: nothing was saved. Try again in a moment.":
        "Marelle est très sollicitée en ce moment : rien n'a été enregistré. Réessayez dans "
        "un instant.",
    "Back": "Retour",
    "paid by %(payer)s:": "payé par %(payer)s :",
    "no tariff": "pas de tarif",
    "no billing rule": "pas de règle de facturation",
    # --- issue 8: logins, sessions, passwords
    "The password must have at least %(count)d characters.":
        "Le mot de passe doit comporter au moins %(count)d caractères.",
    "Log out": "Déconnexion",
    "Logout": "Se déconnecter",
    "Login": "Se connecter",
    "Profile": "Profil",
    "You are logged out.": "Vous êtes déconnecté(e).",
    "Log out of Marelle on this browser? Your other sessions end too.":
        "Se déconnecter de Marelle sur ce navigateur ? Vos autres sessions sont fermées aussi.",
    "Your session expired after %(minutes)d minutes without activity: please log in again.":
        "Votre session a expiré après %(minutes)d minutes d'inactivité : veuillez vous "
        "reconnecter.",
    "Your session has ended: please log in again.":
        "Votre session a été fermée : veuillez vous reconnecter.",
    "Invalid or expired access token: log in again.":
        "Jeton d'accès invalide ou expiré : reconnectez-vous.",
    "Too many failed logins: try again in %(minutes)d min.":
        "Trop d'échecs de connexion : réessayez dans %(minutes)d min.",
    # --- issue 8: API and bad input (errors, deletions refused, dates, uploads)
    "The request is not valid.": "La requête n'est pas valide.",
    "Sign in first.": "Connectez-vous d'abord.",
    "You are not allowed to do this.": "Vous n'avez pas le droit de faire cela.",
    "Nothing was found at this address.": "Rien n'a été trouvé à cette adresse.",
    "This method is not allowed at this address.":
        "Cette méthode n'est pas autorisée à cette adresse.",
    "The request is too large.": "La requête est trop volumineuse.",
    "Too many attempts: wait a moment and try again.":
        "Trop de tentatives : patientez un instant puis réessayez.",
    "An unexpected error occurred. It has been logged; try again or tell your administrator.":
        "Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez ou "
        "prévenez votre administrateur.",
    "A number or a date in the request is out of the accepted range.":
        "Un nombre ou une date de la requête sort des limites acceptées.",
    "The request body must be a JSON object ({...}).":
        "Le corps de la requête doit être un objet JSON ({...}).",
    "The q argument is not valid rison.": "Le paramètre q n'est pas un rison valide.",
    "The request body is not valid JSON.": "Le corps de la requête n'est pas un JSON valide.",
    "This filter is not allowed on this resource.": "Ce filtre n'est pas permis sur cette ressource.",
    "This sort order is not allowed on this resource.":
        "Ce tri n'est pas permis sur cette ressource.",
    "A column named in the request is unknown.": "Une colonne demandée est inconnue.",
    "The q argument does not have the expected form (filters, order, page).":
        "Le paramètre q n'a pas la forme attendue (filtres, tri, page).",
    "Give a date between %(first)s and %(last)s.":
        "Indiquez une date entre le %(first)s et le %(last)s.",
    "adjustments": "réductions ou majorations",
    "attendance records": "présences",
    "billing rules": "règles de facturation",
    "enrollments": "cursus",
    "invoices": "factures",
    "sub-folders": "sous-dossiers",
    "invoice lines": "lignes de factures",
    "invoice numbers": "numéros de factures",
    "people's insurance records": "assurances de personnes",
    "products": "produits",
    "classes": "classes",
    "services": "prestations",
    "subscriptions": "inscriptions aux prestations",
    "other records": "autres fiches",
    "This record is still used by other records: it cannot be deleted.":
        "Cette fiche est encore utilisée par d'autres fiches : elle ne peut pas être supprimée.",
    "This record is still used (%(uses)s): it cannot be deleted.":
        "Cette fiche est encore utilisée (%(uses)s) : elle ne peut pas être supprimée.",
    # --- issue 8: review findings
    "Request refused": "Requête refusée",
    "Sign in first": "Connectez-vous d'abord",
    "Already deducted (discounts, earlier credit notes)":
        "Déjà déduit (réductions, avoirs précédents)",
    "Access refused": "Accès refusé",
    "Page not found": "Page introuvable",
    "Request too large": "Requête trop volumineuse",
    "Too many attempts": "Trop de tentatives",
    "Something went wrong": "Une erreur est survenue",
    "Marelle is busy": "Marelle est très sollicitée",
    "This form has expired or did not come from Marelle: reload the page and try again.":
        "Ce formulaire a expiré ou ne vient pas de Marelle : rechargez la page et recommencez.",
    "Your session has ended: log in again.": "Votre session est terminée : reconnectez-vous.",
    "Back to the home page": "Retour à l'accueil",
    # --- issue 9: billing screens (plurals: one, many, other — CLDR gives French three forms)
    "Print invoices": "Impression de factures",
    "Enrolments": "Cursus",
    "Subscriptions": "Inscriptions",
    "Billing rules": "Règles de facturation",
    ("%(num)s draft created", "%(num)s drafts created"):
        ("%(num)s brouillon créé", "%(num)s brouillons créés", "%(num)s brouillons créés"),
    "total": "total",
    ("%(num)s payer", "%(num)s payers"): ("%(num)s payeur", "%(num)s payeurs", "%(num)s payeurs"),
    "Validate the group": "Valider le groupe",
    "Payers": "Payeurs",
    ("%(num)s day not billed", "%(num)s days not billed"):
        ("%(num)s jour non facturé", "%(num)s jours non facturés", "%(num)s jours non facturés"),
    "no billing rule covers this day": "aucune règle de facturation ne couvre ce jour",
    "no tariff for this day": "aucun tarif pour ce jour",
    "Every booked day of the period is billed.": "Tous les jours réservés de la période sont facturés.",
    ("%(num)s invoice in the PDF", "%(num)s invoices in the PDF"):
        ("%(num)s facture dans le PDF", "%(num)s factures dans le PDF", "%(num)s factures dans le PDF"),
    "credit note issued": "avoir émis",
    "%(number)s — %(payer)s — %(start)s to %(end)s": "%(number)s — %(payer)s — du %(start)s au %(end)s",
    "Add a discount or surcharge to the invoice %(invoice)s":
        "Réduction ou majoration sur la facture %(invoice)s",
    "There is no draft to validate in this list.": "Il n'y a aucun brouillon à valider dans cette liste.",
    "The list changed since the confirmation: check it again.":
        "La liste a changé depuis la confirmation : vérifiez-la à nouveau.",
    "Validate invoices": "Valider des factures",
    ("%(num)s invoice validated: %(first)s.", "%(num)s invoices validated: %(first)s to %(last)s."):
        ("%(num)s facture validée : %(first)s.", "%(num)s factures validées : de %(first)s à %(last)s.", "%(num)s factures validées : de %(first)s à %(last)s."),
    ("%(num)s invoice in this list", "%(num)s invoices in this list"):
        ("%(num)s facture dans cette liste", "%(num)s factures dans cette liste", "%(num)s factures dans cette liste"),
    ("%(num)s draft", "%(num)s drafts"): ("%(num)s brouillon", "%(num)s brouillons", "%(num)s brouillons"),
    "Validate every draft of this list": "Valider tous les brouillons de cette liste",
    "Print this list (one PDF)": "Imprimer cette liste (un seul PDF)",
    "Select": "Sélectionner",
    ("Validate %(num)s draft, total %(total)s?", "Validate %(num)s drafts, total %(total)s?"):
        ("Valider %(num)s brouillon, total %(total)s ?", "Valider %(num)s brouillons, total %(total)s ?", "Valider %(num)s brouillons, total %(total)s ?"),
    "They get their final numbers and can no longer change (a credit note corrects them).":
        "Elles reçoivent leur numéro définitif et ne peuvent plus changer (un avoir les corrige).",
    "Corrects invoice": "Corrige la facture",
    "Credit notes": "Avoirs",
    "Transfer the rule to": "Transférer la règle sur",
    "Co-payer (tiers solidaire)": "Tiers solidaire",
    "Remove the co-payer": "Retirer le tiers solidaire",
    # --- issue 9: enrolment (main)
    "— choose the class —": "— choisir la classe —",
    "past": "passé",
    # --- issue 9: home page (main)
    ("%(num)s group of drafts to validate:", "%(num)s groups of drafts to validate:"):
        ("%(num)s groupe de brouillons à valider :", "%(num)s groupes de brouillons à valider :",
         "%(num)s groupes de brouillons à valider :"),
    ("%(num)s draft", "%(num)s drafts"):
        ("%(num)s brouillon", "%(num)s brouillons", "%(num)s brouillons"),
    ("%(num)s invoice to remind", "%(num)s invoices to remind"):
        ("%(num)s facture à relancer", "%(num)s factures à relancer",
         "%(num)s factures à relancer"),
    "from %(day)s": "à partir du %(day)s",
    "No draft waiting for validation.": "Aucun brouillon en attente de validation.",
    "Today's attendance sheets": "Les feuilles de pointage du jour",
    "No session today.": "Aucune séance aujourd'hui.",
    # --- issue 9: attendance sheet (main)
    ("%(num)s booked child marked present.", "%(num)s booked children marked present."):
        ("%(num)s enfant réservé pointé présent.", "%(num)s enfants réservés pointés présents.",
         "%(num)s enfants réservés pointés présents."),
    "%(name)s was not booked: this presence will be billed.":
        "%(name)s n'était pas réservé(e) : cette présence sera facturée.",
    "%(name)s was not booked: this presence is recorded but not billed (the service is billed on bookings).":
        "%(name)s n'était pas réservé(e) : cette présence est enregistrée mais pas facturée (la "
        "prestation est facturée sur réservation).",
    ("%(num)s chosen", "%(num)s chosen"): ("%(num)s choisie", "%(num)s choisies",
                                           "%(num)s choisies"),
    "all": "toutes",
    "%(service)s does not run on %(day)s: there is no sheet to take.":
        "%(service)s ne fonctionne pas le %(day)s : il n'y a pas de pointage à faire.",
    "booked, not marked": "réservés non pointés",
    "present without booking": "présents sans réservation",
    "Search a name": "Chercher un nom",
    "All booked children present": "Tous les réservés présents",
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
